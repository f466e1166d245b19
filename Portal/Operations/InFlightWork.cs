namespace Portal.Operations;

/// <summary>
/// Work that must not be cut off by a shutdown (an ingestion batch that started writing). The app waits for it to
/// finish before it stops, within the host's shutdown timeout.
/// </summary>
public sealed class InFlightWork
{
    private readonly Lock gate = new();
    private int running;
    private TaskCompletionSource idle = NewIdle(completed: true);

    public int Running
    {
        get
        {
            lock (gate)
            {
                return running;
            }
        }
    }

    public IDisposable Begin()
    {
        lock (gate)
        {
            if (running++ == 0)
            {
                idle = NewIdle(completed: false);
            }
        }

        return new Ticket(this);
    }

    public Task WhenIdleAsync(CancellationToken ct)
    {
        lock (gate)
        {
            return idle.Task.WaitAsync(ct);
        }
    }

    private void End()
    {
        lock (gate)
        {
            if (--running == 0)
            {
                idle.TrySetResult();
            }
        }
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            source.SetResult();
        }

        return source;
    }

    private sealed class Ticket(InFlightWork owner) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                owner.End();
            }
        }
    }
}

/// <summary>At shutdown, waits until in-flight work is done (the host's shutdown timeout bounds the wait).</summary>
public sealed class InFlightWorkDrain(InFlightWork work, ILogger<InFlightWorkDrain> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (work.Running == 0)
        {
            return;
        }

        logger.LogInformation("Stopping: waiting for {Count} ingestion batches in flight.", work.Running);
        try
        {
            await work.WhenIdleAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Stopped with {Count} ingestion batches still in flight (shutdown timeout).", work.Running);
        }
    }
}
