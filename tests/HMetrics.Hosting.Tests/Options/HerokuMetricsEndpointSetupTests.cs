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

public sealed class HerokuMetricsEndpointSetupTests
{
    private const string FromSection = "https://section.example.com/m";
    private const string FromConfigVariable = "https://config-variable.example.com/m";

    private static HerokuMetricsOptions PostConfigure(HerokuMetricsOptions options, Dictionary<string, string?> configuration)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(configuration).Build();
        new HerokuMetricsEndpointSetup(config).PostConfigure(Microsoft.Extensions.Options.Options.DefaultName, options);
        return options;
    }

    [Fact]
    public void The_section_endpoint_beats_the_variable_in_configuration()
    {
        var options = PostConfigure(new HerokuMetricsOptions { Endpoint = FromSection }, new() { ["HEROKU_METRICS_URL"] = FromConfigVariable });

        Assert.Equal(FromSection, options.Endpoint);
        Assert.Equal("HerokuMetrics:Endpoint", options.EndpointSource);
    }

    [Fact]
    public void Without_a_section_endpoint_the_variable_in_configuration_is_used()
    {
        var options = PostConfigure(new HerokuMetricsOptions(), new() { ["HEROKU_METRICS_URL"] = FromConfigVariable });

        Assert.Equal(FromConfigVariable, options.Endpoint);
        Assert.Equal("HEROKU_METRICS_URL", options.EndpointSource);
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
        Assert.Equal("HEROKU_METRICS_URL", options.EndpointSource);
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
    public async Task Through_a_host_the_section_beats_the_variable()
    {
        await using var host = MetricsHost.Create(FromConfigVariable, ("HerokuMetrics:Endpoint", FromSection));

        var options = host.Host.Services.GetRequiredService<IOptions<HerokuMetricsOptions>>().Value;

        Assert.Equal(FromSection, options.Endpoint);
    }
}

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class HerokuMetricsEndpointSetupEnvironmentTests
{
    private const string FromEnvironment = "https://environment.example.com/m";

    private static HerokuMetricsOptions Resolve(Dictionary<string, string?> settings, string? environment)
    {
        var previous = Environment.GetEnvironmentVariable(HerokuMetricsOptions.EndpointEnvironmentVariable);
        Environment.SetEnvironmentVariable(HerokuMetricsOptions.EndpointEnvironmentVariable, environment);
        try
        {
            using var host = MetricsHost.Create(settings).Host;
            return host.Services.GetRequiredService<IOptions<HerokuMetricsOptions>>().Value;
        }
        finally
        {
            Environment.SetEnvironmentVariable(HerokuMetricsOptions.EndpointEnvironmentVariable, previous);
        }
    }

    [Fact]
    public void The_process_environment_is_the_last_resort()
    {
        var options = Resolve([], FromEnvironment);

        Assert.Equal(FromEnvironment, options.Endpoint);
        Assert.Equal("HEROKU_METRICS_URL", options.EndpointSource);
    }

    [Fact]
    public void The_variable_in_configuration_beats_the_process_environment()
    {
        var options = Resolve(new() { ["HEROKU_METRICS_URL"] = "https://config-variable.example.com/m" }, FromEnvironment);

        Assert.Equal("https://config-variable.example.com/m", options.Endpoint);
    }

    [Fact]
    public void The_section_beats_the_process_environment()
    {
        var options = Resolve(new() { ["HerokuMetrics:Endpoint"] = "https://section.example.com/m" }, FromEnvironment);

        Assert.Equal("https://section.example.com/m", options.Endpoint);
        Assert.Equal("HerokuMetrics:Endpoint", options.EndpointSource);
    }

    [Fact]
    public void Without_any_source_the_endpoint_stays_null_so_the_reporter_says_not_found()
    {
        var options = Resolve([], null);

        Assert.Null(options.Endpoint);
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
