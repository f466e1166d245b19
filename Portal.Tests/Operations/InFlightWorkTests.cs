using Microsoft.Extensions.Logging.Abstractions;
using Portal.Operations;

namespace Portal.Tests.Operations;

public sealed class InFlightWorkTests
{
    [Fact]
    public async Task Stopping_waits_for_work_in_flight_and_returns_when_it_ends()
    {
        var work = new InFlightWork();
        var drain = new InFlightWorkDrain(work, NullLogger<InFlightWorkDrain>.Instance);
        var batch = work.Begin();

        var stopping = drain.StopAsync(CancellationToken.None);

        Assert.False(stopping.IsCompleted);
        batch.Dispose();
        await stopping;
        Assert.Equal(0, work.Running);
    }

    [Fact]
    public async Task Stopping_gives_up_when_the_shutdown_timeout_cancels_it()
    {
        var work = new InFlightWork();
        using var stuck = work.Begin();
        using var timeout = new CancellationTokenSource();
        var stopping = new InFlightWorkDrain(work, NullLogger<InFlightWorkDrain>.Instance).StopAsync(timeout.Token);

        await timeout.CancelAsync();

        await stopping;
        Assert.Equal(1, work.Running);
    }

    [Fact]
    public async Task Stopping_with_nothing_in_flight_returns_at_once()
    {
        await new InFlightWorkDrain(new InFlightWork(), NullLogger<InFlightWorkDrain>.Instance).StopAsync(CancellationToken.None);
    }
}
