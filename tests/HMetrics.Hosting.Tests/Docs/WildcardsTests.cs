namespace HMetrics.Hosting.Tests.Docs;

public sealed class WildcardsTests
{
    [Theory]
    [InlineData("Heroku metrics started: posting to https://.../redacted every 00:00:20 with the Go schema.", true)]
    [InlineData("Heroku metrics started: posting to … every 00:00:20 with the Go schema.", true)]
    [InlineData("Heroku metrics started: posting to …", true)]
    [InlineData("Heroku metrics started: posting to https://x/redacted every 00:00:20 with the Go schema", false)]
    [InlineData("Heroku metrics started: posting https://x/redacted every 00:00:20 with the Go schema.", false)]
    [InlineData("Heroku metrics started:\n      posting to x every 00:00:20 with   the Go schema.", true)]
    [InlineData("… with the Go schema.", true)]
    [InlineData("Heroku metrics started", false)]
    public void A_quote_agrees_with_a_template_when_some_text_reads_as_both(string quote, bool agrees) =>
        Assert.Equal(agrees, Wildcards.Agree(
            Wildcards.FromQuote(quote),
            Wildcards.FromTemplate("Heroku metrics started: posting to {Endpoint} every {PostInterval} with the {Schema} schema.")));

    [Theory]
    [InlineData("HerokuMetrics:PostInterval must be at least 10 ms (00:00:00.0100000) and at most one day; got 00:00:00. Use …", true)]
    [InlineData("HerokuMetrics:PostInterval must be more than zero and at most one day; got 00:00:00. Use …", false)]
    public void A_quote_of_produced_text_leaves_open_only_what_it_marks(string quote, bool agrees) =>
        Assert.Equal(agrees, Wildcards.Agree(
            Wildcards.FromQuote(quote),
            Wildcards.Exact("HerokuMetrics:PostInterval must be at least 10 ms (00:00:00.0100000) and at most one day; got 00:00:00. Use a time span such as \"00:00:20\".")));

    [Fact]
    public void A_placeholder_that_holds_one_word_does_not_swallow_a_sentence_of_the_quote()
    {
        const string oneOffDyno = "Heroku metrics are not starting: {Dyno} is a one-off dyno (heroku run, release phase or scheduler), where Heroku's own agents stay idle too.";
        const string notFound = "Heroku metrics are not starting: {Variable} was not found. Enable language metrics on the app.";
        var quote = Wildcards.FromQuote("Heroku metrics are not starting: HEROKU_METRICS_URL was not found. …");

        Assert.False(Wildcards.Agree(quote, Wildcards.FromTemplate(oneOffDyno)));
        Assert.True(Wildcards.Agree(quote, Wildcards.FromTemplate(notFound)));
        Assert.True(Wildcards.Agree(
            Wildcards.FromQuote("Heroku metrics report to https://…/redacted failed: status 503 (ServiceUnavailable). Attempt 1; next try in 00:00:05."),
            Wildcards.FromTemplate("Heroku metrics report to {Endpoint} failed: {Reason}. Attempt {Attempt}; next try in {Delay}.")));
    }
}
