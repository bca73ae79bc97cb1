using Microsoft.Extensions.Logging;
using Moq;

namespace HMetrics.Hosting.Tests.Boundary;

/// <summary>A logger that throws (a full disk) loses the line, never the caller.</summary>
public sealed class SafeLoggerTests
{
    // Moq is the clearest tool for a logger that fails in every member.
    [Fact]
    public void Every_member_of_a_throwing_logger_is_contained()
    {
        var inner = new Mock<ILogger>(MockBehavior.Strict);
        inner.Setup(l => l.IsEnabled(It.IsAny<LogLevel>())).Throws(new IOException("disk full"));
        inner.Setup(l => l.BeginScope(It.IsAny<string>())).Throws(new IOException("disk full"));
        inner.Setup(l => l.Log(It.IsAny<LogLevel>(), It.IsAny<EventId>(), It.IsAny<It.IsAnyType>(), It.IsAny<Exception?>(), It.IsAny<Func<It.IsAnyType, Exception?, string>>()))
            .Throws(new IOException("disk full"));
        var logger = new SafeLogger(inner.Object);

        Assert.False(logger.IsEnabled(LogLevel.Warning));
        Assert.Null(logger.BeginScope("scope"));
        logger.Log(LogLevel.Warning, new EventId(6), "state", null, (s, _) => s);

        inner.Verify(l => l.Log(LogLevel.Warning, It.IsAny<EventId>(), It.IsAny<It.IsAnyType>(), null, It.IsAny<Func<It.IsAnyType, Exception?, string>>()), Times.Once);
    }
}
