namespace HMetrics.Hosting.Runtime;

/// <summary>
/// One reporter's share of a process-wide counter: the cumulative sum of the increments the ledger handed to it.
/// </summary>
/// <remarks>
/// The collector sees an ordinary cumulative counter (its deltas, failure carry-over and acknowledgement are unchanged);
/// only the increments no other reporter took make it grow.
/// </remarks>
internal sealed class ProcessCounterShare(string name, Func<double> read, ProcessCounterLedger ledger)
{
    private double _share;

    public double Read()
    {
        var taken = ledger.Take(name, read());
        if (double.IsNaN(taken))
        {
            return double.NaN;
        }

        _share += taken;
        return _share;
    }
}
