using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Docs;

/// <summary>What a host's start says about a configuration, as a user meets it: the messages of the
/// <see cref="OptionsValidationException"/> that <c>AddHerokuMetrics</c> throws before any hosted service starts.</summary>
internal static class ValidatorOutput
{
    /// <summary>The start-up validation failures for one configuration key set to one value; empty when it is valid.</summary>
    /// <param name="key">A configuration key such as <c>HerokuMetrics:PostInterval</c> or <c>HEROKU_METRICS_URL</c>.</param>
    /// <param name="value">The value, as text.</param>
    public static IReadOnlyList<string> For(string key, string value)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [key] = value })
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging();
        _ = services.AddHerokuMetrics();
        using var provider = services.BuildServiceProvider();
        try
        {
            // What the host runs at start for every ValidateOnStart registration.
            provider.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures];
        }
    }
}
