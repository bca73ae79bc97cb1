using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Options;

/// <summary>Tests that change the process-wide <c>HEROKU_METRICS_URL</c>; xunit runs them alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}

/// <summary>Step 3 of the options pipeline: HEROKU_METRICS_URL and DYNO, the configuration first, then the process environment.</summary>
public sealed class EnvironmentFallbackTests
{
    private const string FromSection = "https://section.example.com/m";
    private const string FromConfigVariable = "https://config-variable.example.com/m";

    private readonly HerokuMetricsOptionsPipeline _pipeline = new();

    private HerokuMetricsOptions PostConfigure(HerokuMetricsOptions options, Dictionary<string, string?> configuration)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(configuration).Build();
        new EnvironmentFallback(config, _pipeline).PostConfigure(Microsoft.Extensions.Options.Options.DefaultName, options);
        return options;
    }

    private string SourceOf(HerokuMetricsOptions options) => _pipeline.OriginOf(options).EndpointSource;

    [Fact]
    public void The_section_endpoint_beats_the_variable_in_configuration()
    {
        var options = PostConfigure(new HerokuMetricsOptions { Endpoint = FromSection }, new() { ["HEROKU_METRICS_URL"] = FromConfigVariable });

        Assert.Equal(FromSection, options.Endpoint);
        Assert.Equal("HerokuMetrics:Endpoint", SourceOf(options));
    }

    [Fact]
    public void Without_a_section_endpoint_the_variable_in_configuration_is_used()
    {
        var options = PostConfigure(new HerokuMetricsOptions(), new() { ["HEROKU_METRICS_URL"] = FromConfigVariable });

        Assert.Equal(FromConfigVariable, options.Endpoint);
        Assert.Equal("HEROKU_METRICS_URL", SourceOf(options));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_blank_section_endpoint_yields_to_the_variable(string blank)
    {
        var options = PostConfigure(new HerokuMetricsOptions { Endpoint = blank }, new() { ["HEROKU_METRICS_URL"] = FromConfigVariable });

        Assert.Equal(FromConfigVariable, options.Endpoint);
    }

    [Fact]
    public void An_empty_variable_in_configuration_is_kept_so_the_reporter_can_say_it_is_empty()
    {
        var options = PostConfigure(new HerokuMetricsOptions(), new() { ["HEROKU_METRICS_URL"] = "" });

        Assert.Equal("", options.Endpoint);
        Assert.Equal("HEROKU_METRICS_URL", SourceOf(options));
    }

    [Fact]
    public async Task A_section_endpoint_set_in_code_beats_the_configuration()
    {
        await using var host = MetricsHost.Create(
            MetricsHost.Settings(FromConfigVariable, ("HerokuMetrics:Endpoint", FromSection)),
            services => services.AddHerokuMetrics(o => o.Endpoint = "https://code.example.com/m"));

        var options = host.Host.Services.GetRequiredService<IOptions<HerokuMetricsOptions>>().Value;

        Assert.Equal("https://code.example.com/m", options.Endpoint);
    }

    [Fact]
    public void The_dyno_comes_from_the_configuration_first()
    {
        var options = PostConfigure(new HerokuMetricsOptions(), new() { ["DYNO"] = "run.42" });

        Assert.Equal("run.42", _pipeline.OriginOf(options).Dyno);
        Assert.True(_pipeline.OriginOf(options).IsOneOffDyno);
    }

    [Theory]
    [InlineData("run.1", true)]
    [InlineData("release.12", true)]
    [InlineData("scheduler.7", true)]
    [InlineData("web.1", false)]
    [InlineData("worker.3", false)]
    [InlineData("runner.1", false)]
    public void Only_run_release_and_scheduler_dynos_are_one_off(string dyno, bool oneOff)
    {
        Assert.Equal(oneOff, new OptionsOrigin { Dyno = dyno }.IsOneOffDyno);
    }

    [Fact]
    public void A_configuration_that_throws_when_read_leaves_the_variables_unset_and_is_reported_not_thrown()
    {
        var options = new HerokuMetricsOptions();
        new EnvironmentFallback(ThrowingConfiguration.Create(), _pipeline).PostConfigure(Microsoft.Extensions.Options.Options.DefaultName, options);

        var origin = _pipeline.OriginOf(options);
        Assert.Null(options.Endpoint);
        Assert.Null(origin.Dyno);
        Assert.Equal("DYNO could not be read (InvalidOperationException).", origin.ConfigurationError);
        Assert.Contains("DYNO could not be read", _pipeline.Check(options).FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_a_host_the_section_beats_the_variable()
    {
        await using var host = MetricsHost.Create(FromConfigVariable, ("HerokuMetrics:Endpoint", FromSection));

        var options = host.Host.Services.GetRequiredService<IOptions<HerokuMetricsOptions>>().Value;

        Assert.Equal(FromSection, options.Endpoint);
    }
}

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class EnvironmentFallbackProcessEnvironmentTests
{
    private const string FromEnvironment = "https://environment.example.com/m";

    private static (HerokuMetricsOptions Options, string Source) Resolve(Dictionary<string, string?> settings, string? environment)
    {
        var previous = Environment.GetEnvironmentVariable(HerokuMetricsOptions.EndpointEnvironmentVariable);
        Environment.SetEnvironmentVariable(HerokuMetricsOptions.EndpointEnvironmentVariable, environment);
        try
        {
            using var host = MetricsHost.Create(settings).Host;
            var options = host.Services.GetRequiredService<IOptions<HerokuMetricsOptions>>().Value;
            return (options, host.Services.GetRequiredService<HerokuMetricsOptionsPipeline>().OriginOf(options).EndpointSource);
        }
        finally
        {
            Environment.SetEnvironmentVariable(HerokuMetricsOptions.EndpointEnvironmentVariable, previous);
        }
    }

    [Fact]
    public void The_process_environment_is_the_last_resort()
    {
        var (options, source) = Resolve([], FromEnvironment);

        Assert.Equal(FromEnvironment, options.Endpoint);
        Assert.Equal("HEROKU_METRICS_URL", source);
    }

    [Fact]
    public void The_variable_in_configuration_beats_the_process_environment()
    {
        var (options, _) = Resolve(new() { ["HEROKU_METRICS_URL"] = "https://config-variable.example.com/m" }, FromEnvironment);

        Assert.Equal("https://config-variable.example.com/m", options.Endpoint);
    }

    [Fact]
    public void The_section_beats_the_process_environment()
    {
        var (options, source) = Resolve(new() { ["HerokuMetrics:Endpoint"] = "https://section.example.com/m" }, FromEnvironment);

        Assert.Equal("https://section.example.com/m", options.Endpoint);
        Assert.Equal("HerokuMetrics:Endpoint", source);
    }

    [Fact]
    public void Without_any_source_the_endpoint_stays_null_so_the_reporter_says_not_found()
    {
        var (options, _) = Resolve([], null);

        Assert.Null(options.Endpoint);
    }

    [Fact]
    public void The_dyno_falls_back_to_the_process_environment_and_the_configuration_wins_over_it()
    {
        var previous = Environment.GetEnvironmentVariable("DYNO");
        Environment.SetEnvironmentVariable("DYNO", "run.7");
        try
        {
            using var fromEnvironment = MetricsHost.Create(new Dictionary<string, string?>()).Host;
            using var fromConfiguration = MetricsHost.Create(new Dictionary<string, string?> { ["DYNO"] = "web.1" }).Host;

            Assert.Equal("run.7", DynoOf(fromEnvironment));
            Assert.Equal("web.1", DynoOf(fromConfiguration));
        }
        finally
        {
            Environment.SetEnvironmentVariable("DYNO", previous);
        }

        static string? DynoOf(Microsoft.Extensions.Hosting.IHost host)
        {
            var options = host.Services.GetRequiredService<IOptions<HerokuMetricsOptions>>().Value;
            return host.Services.GetRequiredService<HerokuMetricsOptionsPipeline>().OriginOf(options).Dyno;
        }
    }

    [Fact]
    public async Task A_host_started_with_only_the_process_variable_reports_to_it()
    {
        await using var server = await HerokuLikeServer.StartAsync();
        var previous = Environment.GetEnvironmentVariable(HerokuMetricsOptions.EndpointEnvironmentVariable);
        Environment.SetEnvironmentVariable(HerokuMetricsOptions.EndpointEnvironmentVariable, server.Url("/from-environment"));
        try
        {
            await using var host = MetricsHost.Create(new Dictionary<string, string?> { ["HerokuMetrics:PostInterval"] = "00:00:05" });
            await host.StartAndSendFirstReportAsync(TimeSpan.FromSeconds(5));

            var report = await server.NextAsync();

            Assert.Equal("/from-environment", report.PathAndQuery);
        }
        finally
        {
            Environment.SetEnvironmentVariable(HerokuMetricsOptions.EndpointEnvironmentVariable, previous);
        }
    }
}
