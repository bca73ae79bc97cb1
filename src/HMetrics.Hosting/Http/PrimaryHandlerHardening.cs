namespace HMetrics.Hosting.Http;

/// <summary>
/// Makes whatever primary handler the app configured safe for reports: no redirect is ever followed and the runtime's
/// tracing of requests is off.
/// </summary>
/// <remarks>
/// Runs after every configuration step of the client (see <see cref="HerokuMetricsClientSource"/>), and walks a chain of
/// <see cref="DelegatingHandler"/>s down to the handler that talks to the network, because
/// <c>ConfigurePrimaryHttpMessageHandler(() =&gt; new MyHandler(new SocketsHttpHandler()))</c> hides a handler that
/// follows redirects by default: a 307 or 308 would re-send the dyno's data to the <c>Location</c>.
/// <para>
/// On a <see cref="SocketsHttpHandler"/>, <see cref="SocketsHttpHandler.ActivityHeadersPropagator"/> = <see langword="null"/>
/// keeps the runtime from inserting its diagnostics stage into that handler's chain: no <c>System.Net.Http</c> activity
/// (the span OpenTelemetry's HttpClient instrumentation exports, with <c>url.full</c> carrying the dyno id) and no
/// <c>HttpHandlerDiagnosticListener</c> events for the library's requests, while every other client of the app is traced
/// as before. An <see cref="HttpClientHandler"/> offers no such switch; its redirects are turned off, its tracing cannot be.
/// </para>
/// <para>
/// A handler of another type at the bottom of the chain cannot be inspected; <see cref="HerokuMetricsClient"/> fails
/// any report whose response came from another URI than the one sent to, so a followed redirect is never counted as
/// delivered.
/// </para>
/// </remarks>
internal static class PrimaryHandlerHardening
{
    /// <summary>Hardens the handler at the bottom of <paramref name="handler"/>'s chain.</summary>
    /// <returns>
    /// <see langword="false"/> when that handler refused the change: it has sent requests already (an instance the app
    /// shares between clients), so its redirects cannot be turned off.
    /// </returns>
    public static bool TryApply(HttpMessageHandler? handler)
    {
        try
        {
            Apply(handler);
            return true;
        }
        catch (InvalidOperationException)
        {
            // "This instance has already started one or more requests. Properties can only be modified before sending
            // the first request."
            return false;
        }
    }

    public static void Apply(HttpMessageHandler? handler)
    {
        // Bounded: a handler chain that loops back on itself would otherwise never end.
        for (var depth = 0; handler is not null && depth < 64; depth++)
        {
            switch (handler)
            {
                case SocketsHttpHandler sockets:
                    // Set only when different: a started handler throws on any set, even of the value it has.
                    if (sockets.AllowAutoRedirect)
                    {
                        sockets.AllowAutoRedirect = false;
                    }

                    if (sockets.ActivityHeadersPropagator is not null)
                    {
                        sockets.ActivityHeadersPropagator = null;
                    }

                    return;
                case HttpClientHandler client:
                    if (client.AllowAutoRedirect)
                    {
                        client.AllowAutoRedirect = false;
                    }

                    return;
                case DelegatingHandler delegating:
                    handler = delegating.InnerHandler;
                    break;
                default:
                    return;
            }
        }
    }
}
