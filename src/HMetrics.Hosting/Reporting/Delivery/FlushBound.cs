namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>What ends the shutdown flush: its own bound elapsing, or the host's stop token.</summary>
internal sealed class FlushBound : IDisposable
{
    /// <summary>Why nothing was flushed when the host's stop token was cancelled before stopping began.</summary>
    public const string NoTimeGiven = "the host gave the reporter no time to stop (its stop token was already cancelled)";

    private readonly CancellationTokenSource _source = new();
    private volatile bool _elapsed;

    /// <summary>Gets the token of the flush's requests.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Gets whether the bound elapsed (rather than the host's token ending the flush).</summary>
    public bool Elapsed => _elapsed;

    /// <summary>The bound elapsed.</summary>
    public void Elapse()
    {
        _elapsed = true;
        _ = Guard.Cancel(_source);
    }

    /// <summary>The host's stop token was cancelled: its shutdown timeout elapsed.</summary>
    public void Stop() => Guard.Cancel(_source);

    public void Dispose() => _source.Dispose();
}
