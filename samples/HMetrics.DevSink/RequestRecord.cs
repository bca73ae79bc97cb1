namespace HMetrics.DevSink;

/// <summary>One request to the ingest endpoint and how the sink answered it, for the page's request log.</summary>
/// <param name="At">When it was answered.</param>
/// <param name="Dyno">The dyno path it was posted to.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Status">The status code of the answer.</param>
/// <param name="Detail">The one-line reason of a rejection, the injected fault, or the number of metrics accepted.</param>
public sealed record RequestRecord(DateTimeOffset At, string Dyno, string Method, int Status, string Detail);
