using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Options;

public sealed class HerokuMetricsOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(HerokuMetricsOptions options) =>
        new HerokuMetricsOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, options);

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(Validate(new HerokuMetricsOptions()).Succeeded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_user_agent_says_to_remove_the_setting(string userAgent)
    {
        var result = Validate(new HerokuMetricsOptions { UserAgent = userAgent });

        Assert.True(result.Failed);
        Assert.Contains("HerokuMetrics:UserAgent must not be empty; remove the setting to use the default.", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(42)]
    public void A_schema_outside_the_enum_lists_the_allowed_names(int value)
    {
        var result = Validate(new HerokuMetricsOptions { Schema = (HerokuMetricsSchema)value });

        Assert.True(result.Failed);
        Assert.Contains("HerokuMetrics:Schema must be Go, DotNet or Both.", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HerokuMetricsSchema.Go)]
    [InlineData(HerokuMetricsSchema.DotNet)]
    [InlineData(HerokuMetricsSchema.Both)]
    public void Every_schema_is_valid(HerokuMetricsSchema schema)
    {
        Assert.True(Validate(new HerokuMetricsOptions { Schema = schema }).Succeeded);
    }
}
