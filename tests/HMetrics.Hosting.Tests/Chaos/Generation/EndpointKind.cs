namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>What the endpoint does with a request.</summary>
internal enum EndpointKind
{
    /// <summary>Answers a status, after a delay on the fake clock (slow headers) if one is set.</summary>
    Answer,

    /// <summary>Reads the request and drops the connection.</summary>
    Drop,

    /// <summary>Never answers: holds the request until the client goes away.</summary>
    Hang,
}
