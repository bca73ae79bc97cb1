using HMetrics.Sample.WebApp;

// `dotnet run` and Ctrl+C. The app is put together in SampleApplication.Build, which the tests run too.
var app = SampleApplication.Build(args);
app.Run();

/// <summary>The sample's entry point (public so tests can host it with WebApplicationFactory).</summary>
public partial class Program;
