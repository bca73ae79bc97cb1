using Microsoft.Extensions.Configuration;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>A configuration whose provider throws on every read and listing, as a broken custom provider would.</summary>
internal static class ThrowingConfiguration
{
    public static IConfigurationRoot Create() => new ConfigurationBuilder().Add(new Source()).Build();

    private sealed class Source : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider();
    }

    private sealed class Provider : ConfigurationProvider
    {
        public override bool TryGet(string key, out string? value) => throw new InvalidOperationException("the provider is broken");

        public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath) =>
            throw new InvalidOperationException("the provider is broken");
    }
}
