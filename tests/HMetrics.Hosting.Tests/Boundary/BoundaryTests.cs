using System.Diagnostics.Metrics;
using System.Runtime.Loader;
using HMetrics.Hosting.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace HMetrics.Hosting.Tests.Boundary;

/// <summary>
/// Issue 18, item 1: the library's boundary with code it does not own, read from the compiled libraries' IL so the rule
/// survives the next contributor. Every callback the runtime makes into the library is registered through
/// <see cref="Guard"/>, which ends it in a catch-all; every call out to code the library does not own sits inside a
/// catch-all where it is made, or in a method that every caller calls from inside one.
/// </summary>
/// <remarks>
/// A catch-all catches <see cref="Exception"/> (or <see cref="object"/>, or filters on <see cref="Exception"/>), and is
/// not the catch the compiler wraps around an async method to fault its task. Lambdas and local functions turned into
/// delegates are methods of their own and must keep the rule themselves: they run when invoked, not where they were made.
/// </remarks>
public sealed class BoundaryTests
{
    private static readonly string _guard = typeof(Guard).FullName!;

    // APIs that make the runtime (or another party) call the library back later, on a thread the library does not own.
    private static readonly ApiRule[] _registrations =
    [
        new(typeof(TimeProvider), "CreateTimer"),
        new(typeof(Timer), ".ctor"),
        new(typeof(CancellationToken), "Register", "UnsafeRegister"),
        new(typeof(IOptionsMonitor<>), "OnChange"),
        new(typeof(OptionsMonitorExtensions), "OnChange"),
        new(typeof(ChangeToken), "OnChange"),
        new(typeof(IChangeToken), "RegisterChangeCallback"),
        new(typeof(AppDomain), "add_FirstChanceException", "add_AssemblyLoad", "add_UnhandledException", "add_ProcessExit"),
        new(typeof(AssemblyLoadContext), "add_Unloading"),
        new(typeof(ThreadPool), "QueueUserWorkItem", "UnsafeQueueUserWorkItem", "RegisterWaitForSingleObject", "UnsafeRegisterWaitForSingleObject"),
    ];

    // Calls that run code the library does not own, inline: providers, listeners, configuration sources, handlers, callbacks.
    private static readonly ApiRule[] _foreign =
    [
        new(typeof(ILogger), "Log", "IsEnabled", "BeginScope"),
        new(typeof(ILoggerFactory), "CreateLogger"),
        new(typeof(LoggerFactoryExtensions), "CreateLogger"),
        new(typeof(LoggerExtensions), "*"),
        new(typeof(Counter<>), "Add"),
        new(typeof(UpDownCounter<>), "Add"),
        new(typeof(Histogram<>), "Record"),
        new(typeof(Gauge<>), "Record"),
        new(typeof(Meter), ".ctor", "Create*", "Dispose"),
        new(typeof(IMeterFactory), "Create"),
        new(typeof(MeterFactoryExtensions), "Create"),
        new(typeof(IOptionsMonitor<>), "get_CurrentValue", "Get"),
        new(typeof(IOptions<>), "get_Value"),
        new(typeof(IOptionsSnapshot<>), "Get"),
        new(typeof(IOptionsFactory<>), "Create"),
        new(typeof(IConfiguration), "*"),
        new(typeof(IConfigurationSection), "*"),
        new(typeof(IConfigurationRoot), "*"),
        new(typeof(ConfigurationBinder), "*"),
        new(typeof(ConfigurationExtensions), "*"),
        new(typeof(HttpMessageInvoker), "SendAsync", "Send"),
        new(typeof(HttpClient), "SendAsync", "Send", "Get*", "Post*", "Put*", "Patch*", "Delete*"),
        new(typeof(IHttpMessageHandlerFactory), "CreateHandler"),
        new(typeof(HttpMessageHandlerFactoryExtensions), "CreateHandler"),
        new(typeof(IHttpClientFactory), "CreateClient"),
        new(typeof(HttpClientFactoryExtensions), "CreateClient"),
        new(typeof(ITypedHttpClientFactory<>), "CreateClient"),
        new(typeof(CancellationTokenSource), "Cancel"),
    ];

    // Calls that may throw on purpose. Each must be met by a call site today (a stale entry fails the test).
    private static readonly Allowed[] _allowed =
    [
        new(
            "HMetrics.Hosting.Reporting.HerokuMetricsReporter::StartAsync",
            "Microsoft.Extensions.Options.IOptionsMonitor`1::get_CurrentValue",
            "The host's start: options that fail validation, or an app's configure delegate that throws, must fail it, as ValidateOnStart would."),
        new(
            "HMetrics.Hosting.Options.StartupGateValidator::Validate",
            "Microsoft.Extensions.Options.IOptionsMonitor`1::get_CurrentValue",
            "Runs once, as the host's ValidateOnStart, before any hosted service starts: what it throws is the start-up error the app must see."),
        new(
            "HMetrics.Hosting.HerokuMetricsHealthCheck::CheckHealthAsync",
            "Microsoft.Extensions.Options.IOptionsMonitor`1::get_CurrentValue",
            "Only the health check service calls a check, inside its own catch-all, and reports what it throws as the check's failure status (HerokuMetricsHealthCheckTests)."),
    ];

    private static readonly string[] _libraries = [typeof(HerokuMetricsOptions).Assembly.GetName().Name!, typeof(HerokuMetricsHealthCheckOptions).Assembly.GetName().Name!];

    public static TheoryData<string> Libraries => new(_libraries);

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Every_callback_the_runtime_makes_into_the_library_is_registered_through_Guard(string library)
    {
        var registrations = RegistrationsOutsideGuard(Library(library)).ToList();

        Assert.True(registrations.Count == 0, "Register these through Boundary/Guard, which ends the callback in a catch-all:\n" + string.Join('\n', registrations));
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Every_call_into_code_the_library_does_not_own_sits_inside_a_catch_all(string library)
    {
        var unguarded = UnguardedForeignCalls(Library(library)).Where(c => !_allowed.Any(a => a.Matches(c))).ToList();

        Assert.True(unguarded.Count == 0, "Put these inside a catch-all (or a method every caller calls from inside one):\n" + string.Join('\n', unguarded));
    }

    [Fact]
    public void Each_allowed_exception_is_still_needed()
    {
        var unguarded = _libraries.SelectMany(l => UnguardedForeignCalls(Library(l))).ToList();

        Assert.All(_allowed, a => Assert.True(unguarded.Any(a.Matches), $"{a.Caller} → {a.Target} is guarded now: remove it from the allowed list."));
    }

    [Fact]
    public void The_checks_report_each_way_of_breaking_the_rules_and_nothing_that_keeps_them()
    {
        var fixture = typeof(BoundaryViolations).FullName!;
        var assembly = Library(typeof(BoundaryTests).Assembly.GetName().Name!);
        var reported = UnguardedForeignCalls(assembly).Concat(RegistrationsOutsideGuard(assembly))
            .Where(c => c.Caller.OutermostType == fixture)
            .Select(c => Entry(c.Caller))
            .ToHashSet();

        var methods = typeof(BoundaryViolations).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static).Select(m => m.Name).ToList();
        Assert.All(methods.Where(m => m.StartsWith("Breaks", StringComparison.Ordinal)), m => Assert.Contains(m, reported));
        Assert.All(methods.Where(m => m.StartsWith("Keeps", StringComparison.Ordinal)), m => Assert.DoesNotContain(m, reported));
    }

    internal static IEnumerable<CallSite> RegistrationsOutsideGuard(CompiledAssembly assembly) =>
        assembly.Methods.SelectMany(m => m.Calls).Where(c => _registrations.Any(r => r.Matches(c)) && c.Caller.OutermostType != _guard);

    internal static IEnumerable<CallSite> UnguardedForeignCalls(CompiledAssembly assembly) =>
        assembly.Methods.SelectMany(m => m.Calls).Where(c => _foreign.Any(r => r.Matches(c)) && !c.IsGuarded);

    private static CompiledAssembly Library(string name) =>
        CompiledAssembly.Of(new[] { typeof(HerokuMetricsOptions).Assembly, typeof(HerokuMetricsHealthCheckOptions).Assembly, typeof(BoundaryTests).Assembly }
            .Single(a => a.GetName().Name == name));

    // The fixture method a call belongs to: a lambda or an async state machine is named after the method it was written in.
    private static string Entry(CompiledMethod method)
    {
        var name = method.Name.StartsWith('<') ? method.Name : method.Type.Split('+')[^1];
        return name.StartsWith('<') ? name[1..name.IndexOf('>', StringComparison.Ordinal)] : method.Name;
    }

    /// <summary>Methods of one type, by name; <c>*</c> is any name, a trailing <c>*</c> any name it starts.</summary>
    private sealed class ApiRule(Type type, params string[] names)
    {
        private readonly string _type = type.FullName!;

        public bool Matches(CallSite call) =>
            call.TargetType == _type && names.Any(n => n == call.TargetName || (n.EndsWith('*') && call.TargetName.StartsWith(n[..^1], StringComparison.Ordinal)));
    }

    /// <summary>An unguarded call that is meant to throw where it is, and why.</summary>
    private sealed record Allowed(string Caller, string Target, string Reason)
    {
        public bool Matches(CallSite call) => call.Caller.ToString() == Caller && call.TargetType + "::" + call.TargetName == Target;
    }
}
