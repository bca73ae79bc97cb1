using Microsoft.Extensions.Options;

namespace HMetrics.Hosting.Tests.Options;

public sealed class HerokuMetricsOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(HerokuMetricsOptions options) =>
        HerokuMetricsOptionsValidator.Validate(options, new OptionsOrigin());

    public static TheoryData<string, TimeSpan> BadDurations()
    {
        var data = new TheoryData<string, TimeSpan>();
        foreach (var option in new[] { "PostInterval", "HttpTimeout", "InitialBackoff", "MaxBackoff", "BackoffResetAfter" })
        {
            data.Add(option, TimeSpan.Zero);
            data.Add(option, TimeSpan.FromSeconds(-5));
            data.Add(option, TimeSpan.FromDays(1) + TimeSpan.FromTicks(1));
        }

        data.Add("BackoffJitter", TimeSpan.FromMilliseconds(-1));
        data.Add("BackoffJitter", TimeSpan.FromDays(2));
        return data;
    }

    private static HerokuMetricsOptions With(string option, TimeSpan value)
    {
        var options = new HerokuMetricsOptions { MaxBackoff = TimeSpan.FromDays(1) };
        typeof(HerokuMetricsOptions).GetProperty(option)!.SetValue(options, value);
        return options;
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(Validate(new HerokuMetricsOptions()).Succeeded);
    }

    [Theory]
    [MemberData(nameof(BadDurations))]
    public void A_duration_out_of_range_names_the_option_the_rule_the_value_and_an_example(string option, TimeSpan value)
    {
        var result = Validate(With(option, value));

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!, f => f.StartsWith($"HerokuMetrics:{option} must be ", StringComparison.Ordinal));
        Assert.Contains("at most one day", failure, StringComparison.Ordinal);
        Assert.Contains($"got {value}", failure, StringComparison.Ordinal);
        Assert.Contains("Use a time span such as \"", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PostInterval", "at least 10 ms (00:00:00.0100000)")]
    [InlineData("BackoffJitter", "zero or at least 1 ms (00:00:00.0010000)")]
    public void The_floor_is_worded_for_each_option(string option, string floor)
    {
        var failure = Assert.Single(Validate(With(option, TimeSpan.FromSeconds(-1))).Failures!);

        Assert.Contains($"must be {floor}", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_jitter_and_a_whole_day_are_allowed()
    {
        var options = new HerokuMetricsOptions
        {
            BackoffJitter = TimeSpan.Zero,
            PostInterval = TimeSpan.FromDays(1),
            HttpTimeout = TimeSpan.FromDays(1),
            MaxBackoff = TimeSpan.FromDays(1),
            BackoffResetAfter = TimeSpan.FromDays(1),
            InitialBackoff = TimeSpan.FromMilliseconds(10),
        };

        Assert.True(Validate(options).Succeeded);
    }

    [Fact]
    public void A_timeout_above_the_interval_is_valid_it_is_capped_not_refused()
    {
        Assert.True(Validate(new HerokuMetricsOptions { PostInterval = TimeSpan.FromSeconds(5), HttpTimeout = TimeSpan.FromMinutes(1) }).Succeeded);
    }

    [Fact]
    public void What_the_pipeline_recorded_while_building_the_options_is_reported_as_given()
    {
        var origin = new OptionsOrigin { ConfigurationError = "DYNO could not be read (InvalidOperationException)." };

        var failure = Assert.Single(HerokuMetricsOptionsValidator.Validate(new HerokuMetricsOptions(), origin).Failures!);

        Assert.Equal("DYNO could not be read (InvalidOperationException).", failure);
    }

    [Fact]
    public void Initial_backoff_above_max_backoff_says_which_to_change()
    {
        var options = new HerokuMetricsOptions { InitialBackoff = TimeSpan.FromMinutes(2), MaxBackoff = TimeSpan.FromMinutes(1) };

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.Equal(
            "HerokuMetrics:InitialBackoff (00:02:00) must not exceed HerokuMetrics:MaxBackoff (00:01:00); lower InitialBackoff or raise MaxBackoff.",
            failure);
    }

    [Fact]
    public void Initial_backoff_equal_to_max_backoff_is_allowed()
    {
        var options = new HerokuMetricsOptions { InitialBackoff = TimeSpan.FromMinutes(1), MaxBackoff = TimeSpan.FromMinutes(1) };

        Assert.True(Validate(options).Succeeded);
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

    [Fact]
    public void Every_schema_is_valid()
    {
        // The validator lists the members by hand; a member added to the enum must be added there too.
        foreach (var schema in Enum.GetValues<HerokuMetricsSchema>())
        {
            Assert.True(Validate(new HerokuMetricsOptions { Schema = schema }).Succeeded, schema.ToString());
        }
    }

    [Fact]
    public void A_null_user_agent_set_in_code_says_to_remove_the_setting()
    {
        var result = Validate(new HerokuMetricsOptions { UserAgent = null! });

        Assert.Equal("HerokuMetrics:UserAgent must not be empty; remove the setting to use the default.", Assert.Single(result.Failures!));
    }

    [Theory]
    [InlineData("bad\r\nX-Injected: 1")]
    [InlineData("bad\nvalue")]
    [InlineData("tab\there")]
    [InlineData("naïve/1.0")]
    [InlineData("app/1.0 (unclosed comment")]
    [InlineData("/1.0")]
    [InlineData("app/")]
    public void An_invalid_user_agent_says_what_a_valid_one_looks_like(string userAgent)
    {
        var failure = Assert.Single(Validate(new HerokuMetricsOptions { UserAgent = userAgent }).Failures!);

        Assert.StartsWith("HerokuMetrics:UserAgent must be a valid HTTP User-Agent value such as \"myapp/1.0 (comment)\"", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("myapp/1.0 (comment)")]
    [InlineData("myapp")]
    [InlineData("hmetrics/1.0 (app using HMetrics.Hosting package)")]
    [InlineData("a/1 b/2 (x; y) c/3")]
    public void A_valid_user_agent_passes(string userAgent)
    {
        Assert.True(Validate(new HerokuMetricsOptions { UserAgent = userAgent }).Succeeded);
    }

    public static TheoryData<string> UserAgentEdgeCases() =>
    [
        "a", " a", "a ", "a  b", "a/1", "a /1", "a/ 1", "a / 1", "a/1/2", "a//1", "/", "a/", "(x)", " (x) ", "(x)a",
        "a(x)", "a (x)", "(x) a", "(x)(y)", "(x) (y)", "()", "(", ")", "a)", "(()", "(())", "(a\\)", "(a\\))", "(\\)",
        "(\\))", "(a\\)b)", "(a\\(b)", "((((((x))))))", "(((((((x)))))))", "(a(b(c(d(e(f)))))) z/1",
        "(a(b(c(d(e(f(g))))))) z/1", "a\"b", "a,b", "a;b", "a=b", "a@b", "a[b]", "a{b}", "a?b", "a:b",
        "!#$%&'*+-.^_`|~", "a/!#$%&'*+-.^_`|~", "(,;=@[]{}?:\"/)", "   ", " ",
    ];

    [Theory]
    [MemberData(nameof(UserAgentEdgeCases))]
    public void The_user_agent_grammar_agrees_with_the_runtime_header_parser_on_edge_cases(string userAgent)
    {
        Assert.Equal(RuntimeAccepts(userAgent), HerokuMetricsOptionsValidator.IsValidUserAgent(userAgent));
    }

    [Fact]
    public void The_user_agent_grammar_agrees_with_the_runtime_header_parser_on_generated_values()
    {
        // Seeded, so a disagreement is reproducible: strings from the characters the grammar turns on, and a few others.
        const string alphabet = "ab1/ ()\\.;,\"=@x-";
        var random = new Random(20261126);
        var value = new System.Text.StringBuilder();
        for (var n = 0; n < 20_000; n++)
        {
            value.Clear();
            var length = random.Next(0, 16);
            for (var i = 0; i < length; i++)
            {
                value.Append(alphabet[random.Next(alphabet.Length)]);
            }

            var text = value.ToString();
            Assert.True(
                RuntimeAccepts(text) == HerokuMetricsOptionsValidator.IsValidUserAgent(text),
                $"'{text}': the runtime says {RuntimeAccepts(text)}");
        }
    }

    // What the validator used to ask: printable ASCII only, then the header collection's own parser.
    private static bool RuntimeAccepts(string value)
    {
        if (value.Any(c => char.IsControl(c) || c > '\u007e'))
        {
            return false;
        }

        using var request = new HttpRequestMessage();
        return request.Headers.UserAgent.TryParseAdd(value);
    }

    [Theory]
    [InlineData("ftp://user:hunter2@example.com/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f?token=abc", "must use the http or https scheme", "ftp://redacted@example.com/metrics/redacted")]
    [InlineData("example.com/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f", "must be an absolute URL such as https://host/path", "redacted")]
    [InlineData("https://user:hunter2@/metrics?sig=abc", "must be an absolute URL such as https://host/path", "https://redacted")]
    public void An_unusable_endpoint_names_the_setting_the_rule_and_only_the_redacted_value(string endpoint, string rule, string redacted)
    {
        var options = new HerokuMetricsOptions { Endpoint = endpoint };

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.Equal(
            $"HerokuMetrics:Endpoint {rule}; got '{redacted}'. Fix or remove HerokuMetrics:Endpoint and HEROKU_METRICS_URL.",
            failure);
        Assert.DoesNotContain("hunter2", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("0b9c1f2e", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("abc", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void An_endpoint_from_the_variable_is_named_by_the_variable()
    {
        var options = new HerokuMetricsOptions { Endpoint = "ftp://example.com/x" };

        var failure = Assert.Single(HerokuMetricsOptionsValidator.Validate(options, new OptionsOrigin { EndpointSource = "HEROKU_METRICS_URL" }).Failures!);

        Assert.StartsWith("HEROKU_METRICS_URL must use the http or https scheme; got 'ftp://example.com/x'.", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_endpoint_is_not_an_error_it_only_keeps_the_reporter_idle(string? endpoint)
    {
        Assert.True(Validate(new HerokuMetricsOptions { Endpoint = endpoint }).Succeeded);
    }

    [Fact]
    public void A_disabled_reporter_accepts_a_leftover_bad_endpoint()
    {
        Assert.True(Validate(new HerokuMetricsOptions { Enabled = false, Endpoint = "ftp://example.com/x" }).Succeeded);
    }

    [Fact]
    public void Every_broken_rule_is_reported_at_once()
    {
        var options = new HerokuMetricsOptions
        {
            PostInterval = TimeSpan.Zero,
            HttpTimeout = TimeSpan.FromSeconds(-1),
            InitialBackoff = TimeSpan.FromHours(1),
            MaxBackoff = TimeSpan.FromMinutes(1),
            UserAgent = "bad\nagent",
            Endpoint = "ftp://example.com/x",
        };

        var failures = Validate(options).Failures!.ToList();

        Assert.Equal(5, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("HerokuMetrics:PostInterval", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("HerokuMetrics:HttpTimeout", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("HerokuMetrics:InitialBackoff", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("HerokuMetrics:UserAgent", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("HerokuMetrics:Endpoint", StringComparison.Ordinal));
    }
}
