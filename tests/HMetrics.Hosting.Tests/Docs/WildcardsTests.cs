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
}
