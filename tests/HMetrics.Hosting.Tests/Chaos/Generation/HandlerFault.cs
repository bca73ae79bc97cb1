namespace HMetrics.Hosting.Tests.Chaos.Generation;

/// <summary>How a hostile DelegatingHandler misbehaves on the calls its cadence hits.</summary>
internal enum HandlerFault
{
    /// <summary>Throws synchronously, quoting the request URI and the Authorization header.</summary>
    Throw,

    /// <summary>Returns a faulted task, quoting the request URI.</summary>
    Fault,

    /// <summary>Never answers; ends only when the request is cancelled.</summary>
    Hang,

    /// <summary>Waits on the fake clock before passing the request on.</summary>
    Delay,

    /// <summary>Answers itself with an odd non-2xx status, sometimes with a Retry-After.</summary>
    OddStatus,

    /// <summary>Passes the request on, then throws on the response: the endpoint accepted what the library saw fail.</summary>
    ThrowAfterResponse,
}
