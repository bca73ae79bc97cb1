namespace HMetrics.Hosting.Boundary;

/// <summary>Removes known secrets (an endpoint URL's parts, in every form a message may quote them) from text.</summary>
internal interface ISecretScrubber
{
    /// <summary>Returns <paramref name="text"/> with every known secret replaced.</summary>
    string Scrub(string text);
}
