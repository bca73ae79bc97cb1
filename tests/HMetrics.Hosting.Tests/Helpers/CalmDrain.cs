using static HMetrics.Hosting.Tests.Helpers.Timeline;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>
/// Follows, on fake time, the calm end of a drain to steady state: what delivery does after a recovery that left one
/// sample waiting (a short failure).
/// </summary>
/// <remarks>
/// The sample left waiting goes a calm gap after the recovery (the last one waiting goes calmly); each regular sample
/// after it is still paced a calm gap from the POST before it (the first regular sample after a drain is paced), never
/// before it is taken; the drain ends with the first sample whose gap has passed when it is taken: it goes unpaced, at
/// its tick. Every POST is checked to carry its own sample and to be delivered when the rule says.
/// </remarks>
internal static class CalmDrain
{
    /// <summary>Follows the drain to steady state.</summary>
    /// <param name="host">The reporter's host, with the first sample one interval after the start.</param>
    /// <param name="server">The endpoint, answering 200.</param>
    /// <param name="lastPost">When the recovery was delivered (steady time since the start).</param>
    /// <param name="waiting">When the one sample waiting was taken.</param>
    /// <param name="delivered">The ReportDelivered lines so far.</param>
    /// <param name="interval">The sampling interval.</param>
    /// <returns>The tick at which a sample went out unpaced, and the ReportDelivered lines by then.</returns>
    public static async Task<(TimeSpan SteadyAt, int Delivered)> FollowAsync(
        MetricsHost host, HerokuLikeServer server, TimeSpan lastPost, TimeSpan waiting, int delivered, TimeSpan interval)
    {
        var calm = DrainPacer.CalmGap(interval);
        var sample = waiting;
        for (var posts = 0; posts < 100; posts++)
        {
            // The first sample was waiting when the recovery was answered; a later one taken at the very instant of an
            // answer would leave their order to the thread pool.
            Assert.True(posts == 0 || sample != lastPost, $"a sample taken at {sample}, as the POST before was answered");
            var at = lastPost + calm;
            var steady = false;
            if (posts == 0 || sample < lastPost)
            {
                // Taken before the POST before it was answered: the gap's timer is set at that answer.
                await host.Time.WaitForTimerAsync(calm);
                host.Time.AdvanceTo(at, interval);
            }
            else
            {
                // The loop waits for the sample, then for what is left of the gap, if anything.
                host.Time.AdvanceTo(sample, interval);
                if (at > sample)
                {
                    await host.Time.WaitForTimerAsync(at - sample);
                    host.Time.AdvanceTo(at, interval);
                }
                else
                {
                    (at, steady) = (sample, true);
                }
            }

            Assert.Equal(At(sample), (await server.NextAsync()).Header("Measurements-Time"));
            var line = await host.WaitForLogAsync("ReportDelivered", ++delivered);
            Assert.Equal(host.Time.Start + at, line.Timestamp);
            if (steady)
            {
                return (at, delivered);
            }

            (lastPost, sample) = (at, sample + interval);
        }

        throw new InvalidOperationException("the drain never reached steady state");
    }
}
