using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Moq;

namespace HMetrics.Hosting.Tests.Options;

/// <summary>
/// Steps 1 and 2 of the options pipeline: binding the section (with the unknown-key check) and an app's configure
/// delegate never throw, whatever the configuration, the logger or the delegate does; what went wrong is recorded for
/// validation.
/// </summary>
public sealed class SectionBindingTests
{
    private readonly HerokuMetricsOptionsPipeline _pipeline = new();
    private readonly FakeLogCollector _logs = new();

    private HerokuMetricsOptions Bind(IConfiguration configuration, ILoggerFactory? loggerFactory = null)
    {
        var options = new HerokuMetricsOptions();
        var unknownKeys = new UnknownKeyDetector(loggerFactory ?? new LoggerFactory([new FakeLoggerProvider(_logs)]));
        new SectionBinding(configuration, unknownKeys, _pipeline).Configure(Microsoft.Extensions.Options.Options.DefaultName, options);
        return options;
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void Binds_the_section_and_records_nothing_when_all_is_well()
    {
        var options = Bind(Configuration(("HerokuMetrics:PostInterval", "00:00:05"), ("HerokuMetrics:HttpTimeout", "00:00:02")));

        Assert.Equal(TimeSpan.FromSeconds(5), options.PostInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), options.HttpTimeout);
        Assert.Null(_pipeline.OriginOf(options).ConfigurationError);
        Assert.Empty(_logs.GetSnapshot());
    }

    [Fact]
    public void An_empty_timeout_leaves_it_unset()
    {
        Assert.Null(Bind(Configuration(("HerokuMetrics:HttpTimeout", ""))).HttpTimeout);
    }

    [Fact]
    public void Text_the_binder_cannot_convert_is_recorded_with_advice_and_a_misspelt_key_beside_it_is_still_reported()
    {
        var options = Bind(Configuration(("HerokuMetrics:Schema", "Python"), ("HerokuMetrics:PostIntervall", "00:00:02")));

        var error = _pipeline.OriginOf(options).ConfigurationError;
        Assert.Contains("'Python' at 'HerokuMetrics:Schema'", error, StringComparison.Ordinal);
        Assert.EndsWith("and Schema as Go, DotNet or Both.", error, StringComparison.Ordinal);
        Assert.Equal("UnknownSetting", Assert.Single(_logs.GetSnapshot()).Id.Name);
    }

    [Fact]
    public void A_configuration_provider_that_throws_is_recorded_by_type_not_thrown()
    {
        var options = Bind(ThrowingConfiguration.Create());

        Assert.Equal("The HerokuMetrics section could not be read (InvalidOperationException).", _pipeline.OriginOf(options).ConfigurationError);
        Assert.DoesNotContain("broken", _pipeline.Check(options).FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_whose_sections_cannot_be_taken_is_recorded_by_type_not_thrown()
    {
        // An app's own IConfiguration implementation: Moq is the narrowest way to have one fail where the section is taken.
        var configuration = new Mock<IConfiguration>(MockBehavior.Strict);
        configuration.Setup(c => c.GetSection(It.IsAny<string>())).Throws(new InvalidOperationException("the configuration is broken"));

        var options = Bind(configuration.Object);

        Assert.Equal("The HerokuMetrics section could not be read (InvalidOperationException).", _pipeline.OriginOf(options).ConfigurationError);
        Assert.Empty(_logs.GetSnapshot());
    }

    [Fact]
    public void A_logger_factory_that_throws_costs_the_warning_not_the_binding()
    {
        var options = Bind(Configuration(("HerokuMetrics:PostIntervall", "00:00:02"), ("HerokuMetrics:MaxBackoff", "00:01:00")), new ThrowingLoggerFactory());

        Assert.Equal(TimeSpan.FromMinutes(1), options.MaxBackoff);
        Assert.Null(_pipeline.OriginOf(options).ConfigurationError);
    }

    [Fact]
    public void An_apps_configure_delegate_that_throws_is_recorded_and_reported_by_type_by_validation()
    {
        var options = new HerokuMetricsOptions();
        var failure = new InvalidOperationException("the app's own bug");

        new GuardedConfigure(_ => throw failure, _pipeline).Configure(Microsoft.Extensions.Options.Options.DefaultName, options);

        Assert.Same(failure, _pipeline.OriginOf(options).ConfigureFailure);
        Assert.Equal("A configure delegate passed to AddHerokuMetrics threw InvalidOperationException.", Assert.Single(_pipeline.Check(options).Failures!));
        Assert.Same(failure, Assert.Throws<InvalidOperationException>(() => _pipeline.ThrowIfInvalid(options)));
    }

    [Fact]
    public void Each_instance_has_its_own_origin_and_is_validated_once()
    {
        var first = new HerokuMetricsOptions { PostInterval = TimeSpan.Zero };
        var second = new HerokuMetricsOptions();

        var result = _pipeline.Check(first);

        Assert.True(result.Failed);
        Assert.Same(result, _pipeline.Check(first));
        Assert.True(_pipeline.Check(second).Succeeded);
        Assert.NotSame(_pipeline.OriginOf(first), _pipeline.OriginOf(second));
    }

    private sealed class ThrowingLoggerFactory : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => throw new IOException("No space left on device");

        public void Dispose()
        {
        }
    }
}
