namespace HMetrics.Hosting.Runtime;

/// <summary>
/// One posted name and what it carries: a sum of process counters' increments, or a gauge, in the name's unit.
/// </summary>
internal sealed class RuntimeMetric
{
    private readonly ProcessCounter _first;
    private readonly ProcessCounter _last;
    private readonly RuntimeGauge _gauge;
    private readonly double _multiplier;
    private readonly double _divisor;
    private readonly byte[] _utf8MemberName;

    private RuntimeMetric(string name, bool isCounter, SchemaSet schemas, ProcessCounter first, ProcessCounter last, RuntimeGauge gauge, double multiplier, double divisor)
    {
        Name = name;
        _utf8MemberName = ReportBodyWriter.MemberName(name);
        IsCounter = isCounter;
        Schemas = schemas;
        _first = first;
        _last = last;
        _gauge = gauge;
        _multiplier = multiplier;
        _divisor = divisor;
    }

    [Flags]
    internal enum SchemaSet
    {
        Go = 1,
        DotNet = 2,
    }

    public string Name { get; }

    /// <summary>Gets the name as the body writes it, <c>"name":</c> in UTF-8.</summary>
    public ReadOnlySpan<byte> Utf8MemberName => _utf8MemberName;

    public bool IsCounter { get; }

    public SchemaSet Schemas { get; }

    /// <summary>A counter posting the increments of <paramref name="first"/> through <paramref name="last"/>, summed, times <paramref name="multiplier"/> / <paramref name="divisor"/>.</summary>
    public static RuntimeMetric Counter(string name, SchemaSet schemas, ProcessCounter first, ProcessCounter? last = null, double multiplier = 1, double divisor = 1) =>
        new(name, isCounter: true, schemas, first, last ?? first, default, multiplier, divisor);

    /// <summary>A gauge posting <paramref name="gauge"/> as read.</summary>
    public static RuntimeMetric Gauge(string name, SchemaSet schemas, RuntimeGauge gauge) =>
        new(name, isCounter: false, schemas, default, default, gauge, 1, 1);

    public bool IsIn(HerokuMetricsSchema schema) => schema switch
    {
        HerokuMetricsSchema.Go => (Schemas & SchemaSet.Go) != 0,
        HerokuMetricsSchema.DotNet => (Schemas & SchemaSet.DotNet) != 0,
        _ => true,
    };

    /// <summary>The value to post, from a sample's counter increments and gauges; NaN when there is no reading.</summary>
    public double Value(ReadOnlySpan<double> counters, ReadOnlySpan<double> gauges)
    {
        if (!IsCounter)
        {
            return gauges[(int)_gauge];
        }

        var sum = 0d;
        for (var c = (int)_first; c <= (int)_last; c++)
        {
            sum += counters[c];
        }

        return _divisor == 1 ? sum * _multiplier : sum * _multiplier / _divisor;
    }
}
