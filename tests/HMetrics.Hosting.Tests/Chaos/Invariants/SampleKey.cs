using HMetrics.Hosting.Tests.Chaos.Harness;

namespace HMetrics.Hosting.Tests.Chaos.Invariants;

/// <summary>What makes two requests the same sample: the host that took it, its <c>Measurements-Time</c> and its body.</summary>
internal static class SampleKey
{
    public static string Of(Receipt receipt) => $"{receipt.Host}|{receipt.MeasurementsTime}|{Convert.ToHexString(receipt.Body)}";
}
