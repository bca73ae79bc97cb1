using System.Text.Json;

namespace HMetrics.Hosting.Runtime;

/// <summary>
/// One posted name and how to read it.
/// </summary>
/// <param name="name">The statsd name, posted as is.</param>
/// <param name="isCounter">Counters read a cumulative total and are posted as the delta since the previous sample.</param>
/// <param name="schemas">Which schemas carry the name.</param>
/// <param name="read">Reads the current value; must not allocate, block or trigger a GC.</param>
internal sealed class RuntimeMetric(string name, bool isCounter, RuntimeMetric.SchemaSet schemas, Func<double> read)
{
    [Flags]
    internal enum SchemaSet
    {
        Go = 1,
        DotNet = 2,
    }

    public string Name { get; } = name;

    public JsonEncodedText EncodedName { get; } = JsonEncodedText.Encode(name);

    public bool IsCounter { get; } = isCounter;

    public SchemaSet Schemas { get; } = schemas;

    public Func<double> Read { get; } = read;

    public bool IsIn(HerokuMetricsSchema schema) => schema switch
    {
        HerokuMetricsSchema.Go => (Schemas & SchemaSet.Go) != 0,
        HerokuMetricsSchema.DotNet => (Schemas & SchemaSet.DotNet) != 0,
        _ => true,
    };
}
