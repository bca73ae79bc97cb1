using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Adversity;

/// <summary>
/// Every option at zero, negative, its maximum, beyond it and as text that is no value at all: the host either starts
/// or refuses to start with a message naming the option, quickly, and never with any other exception.
/// </summary>
public sealed class ConfigurationAbuseTests
{
    private const string Unreachable = "http://127.0.0.1:9/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f";

    private static readonly string[] Durations =
        ["PostInterval", "HttpTimeout", "InitialBackoff", "MaxBackoff", "BackoffResetAfter", "BackoffJitter"];

    public static TheoryData<string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var option in Durations)
        {
            data.Add(option, "00:00:00", option == "BackoffJitter");
            data.Add(option, "-00:00:01", false);
            data.Add(option, "-1", false);

            // The largest accepted value; InitialBackoff must also stay at or under MaxBackoff (10 minutes by default).
            data.Add(option, "1.00:00:00", option != "InitialBackoff");
            data.Add(option, "1.00:00:00.0000001", false);
            data.Add(option, TimeSpan.MaxValue.ToString(), false);
            data.Add(option, TimeSpan.MinValue.ToString(), false);

            // A bare number is days to TimeSpan: HerokuMetrics__PostInterval=20 means twenty days, not seconds.
            data.Add(option, "20", false);
            data.Add(option, "abc", false);
            data.Add(option, "10s", false);
            data.Add(option, "99999999.00:00:00", false);
        }

        foreach (var option in new[] { "Enabled", "FlushOnShutdown" })
        {
            data.Add(option, "abc", false);
            data.Add(option, "1", false);
            data.Add(option, "TRUE", true);
            data.Add(option, "false", true);
        }

        data.Add("Schema", "abc", false);
        data.Add("Schema", "99", false);
        data.Add("Schema", "-1", false);
        data.Add("Schema", "both", true);
        data.Add("Schema", "2", true);
        data.Add("UserAgent", "", false);
        data.Add("UserAgent", "   ", false);
        data.Add("UserAgent", "line\r\nbreak", false);
        data.Add("UserAgent", "caf\u00e9/1.0", false);
        data.Add("UserAgent", new string('a', 10_000), true);
        data.Add("Endpoint", "not a url", false);
        data.Add("Endpoint", "ftp://127.0.0.1/metrics", false);
        data.Add("Endpoint", "http://", false);
        data.Add("Endpoint", "/relative/path", false);
        data.Add("Endpoint", "https://user:pa ss@127.0.0.1:99999/x", false);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_option_abused_either_starts_or_fails_fast_naming_the_option(string option, string value, bool valid)
    {
        await using var host = MetricsHost.Create(Unreachable, ("HerokuMetrics:" + option, value));

        var failure = await Record.ExceptionAsync(() => host.StartAsync().WaitAsync(TimeSpan.FromSeconds(20)));

        if (valid)
        {
            Assert.Null(failure);
            var started = await host.WaitForLogAsync(option == "Enabled" && value == "false" ? "Disabled" : "Started");
            Assert.NotNull(started);
            return;
        }

        AssertNamesTheOption(failure, option);
    }

    [Theory]
    [InlineData("PostInterval", "abc")]
    [InlineData("PostInterval", "0")]
    [InlineData("HttpTimeout", "-00:00:05")]
    [InlineData("MaxBackoff", "forever")]
    [InlineData("BackoffJitter", "-1")]
    [InlineData("Schema", "Rust")]
    [InlineData("Enabled", "yes")]
    [InlineData("UserAgent", "")]
    public async Task Real_environment_variables_are_checked_the_same_way(string option, string value)
    {
        // A prefix of its own keeps this test's variables away from every other test in the process.
        var prefix = $"HMCHAOS_{Guid.NewGuid():N}_";
        Environment.SetEnvironmentVariable(prefix + "HEROKU_METRICS_URL", Unreachable);
        Environment.SetEnvironmentVariable(prefix + "HerokuMetrics__" + option, value);
        try
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddEnvironmentVariables(prefix);
            builder.Services.AddSingleton<TimeProvider>(new TestTimeProvider());
            builder.Services.AddHerokuMetrics();
            using var host = builder.Build();

            var failure = await Record.ExceptionAsync(() => host.StartAsync().WaitAsync(TimeSpan.FromSeconds(20)));

            if (value.Length == 0)
            {
                // Windows and Linux alike drop an empty variable or keep it empty; either way the default or an error.
                Assert.True(failure is null || failure.Message.Contains("HerokuMetrics:UserAgent", StringComparison.Ordinal), failure?.ToString());
            }
            else
            {
                AssertNamesTheOption(failure, option);
            }

            if (failure is null)
            {
                await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "HEROKU_METRICS_URL", null);
            Environment.SetEnvironmentVariable(prefix + "HerokuMetrics__" + option, null);
        }
    }

    private static void AssertNamesTheOption(Exception? failure, string option)
    {
        Assert.NotNull(failure);

        // Exactly the options validation: unconvertible text is reported by it too. Anything else (the binder's own
        // InvalidOperationException, a timeout, an OverflowException from a timer) is a bug.
        Assert.IsType<OptionsValidationException>(failure);
        Assert.Contains("HerokuMetrics:" + option, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0b9c1f2e", failure.Message, StringComparison.Ordinal);
    }
}
