using Microsoft.Extensions.Http;

namespace HMetrics.Hosting.Http;

/// <summary>
/// Tells what an app configures for every HTTP client (<c>ConfigureHttpClientDefaults</c>) apart from what is configured
/// for the library's client alone, on the builder <c>AddHerokuMetrics</c> returns.
/// </summary>
/// <remarks>
/// Microsoft.Extensions.Http keeps the configuration steps that <c>ConfigureHttpClientDefaults</c> registers in front of
/// every step registered through a named client's builder, whichever is registered first: it inserts each default step
/// after the last default one, or before the first named one (<c>DefaultHttpClientBuilderServiceCollection</c>, with the
/// position held by <c>DefaultHttpClientConfigurationTracker</c>). So for the library's client the factory's lists of
/// handler steps and <see cref="HttpClient"/> steps start with the app-wide ones. <c>AddHerokuMetrics</c> registers, as the
/// client's first step, <see cref="MarkEnd"/>: it appends a marker to both lists, and everything in front of a marker is
/// app-wide, everything after it the library's own or the user's, whatever order the app registered things in.
/// <para>
/// Steps registered with <c>services.ConfigureAll&lt;HttpClientFactoryOptions&gt;</c> directly, not through
/// <c>ConfigureHttpClientDefaults</c>, are not moved by the factory: those registered after <c>AddHerokuMetrics</c> land
/// after the marker and count as the library's own.
/// </para>
/// </remarks>
internal static class AppWideConfiguration
{
    private static readonly Action<HttpMessageHandlerBuilder> HandlerMarker = static _ => { };
    private static readonly Action<HttpClient> ClientMarker = static _ => { };

    /// <summary>Marks the end of the app-wide steps; registered as the first step of the library's client.</summary>
    public static void MarkEnd(HttpClientFactoryOptions options)
    {
        options.HttpMessageHandlerBuilderActions.Add(HandlerMarker);
        options.HttpClientActions.Add(ClientMarker);
    }

    /// <summary>Gets where the client's own handler steps start: after the marker, or at 0 when there is none.</summary>
    public static int OwnHandlerSteps(IList<Action<HttpMessageHandlerBuilder>> actions) => After(actions, HandlerMarker);

    /// <summary>Gets where the client's own <see cref="HttpClient"/> steps start: after the marker, or at 0 when there is none.</summary>
    public static int OwnClientSteps(IList<Action<HttpClient>> actions) => After(actions, ClientMarker);

    private static int After<T>(IList<T> actions, T marker)
        where T : class
    {
        for (var i = 0; i < actions.Count; i++)
        {
            if (ReferenceEquals(actions[i], marker))
            {
                return i + 1;
            }
        }

        // No marker: someone cleared the list on purpose, so nothing app-wide is left in it.
        return 0;
    }
}
