using System.Net;

namespace HMetrics.Hosting.Reporting.Delivery;

/// <summary>A delivered sample: the endpoint's status and the metrics its body held.</summary>
internal readonly record struct SendResult(HttpStatusCode Status, int Metrics);
