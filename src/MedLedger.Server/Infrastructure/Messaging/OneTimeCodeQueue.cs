using System.Threading.Channels;

namespace MedLedger.Server.Infrastructure.Messaging;

/// <summary>
/// Sends and withdraws one-time-code messages off the request path. Writing the message (outbox file or SMTP) was the
/// slow part of answering a known email's recovery start, which made known and unknown emails differ in timing; the
/// request now only enqueues. One consumer keeps sends and withdrawals in order, so a withdrawal never overtakes the
/// send it withdraws. Bounded: a flood makes callers wait for room rather than growing memory.
/// </summary>
public sealed class OneTimeCodeQueue(IMessageSender sender, ILogger<OneTimeCodeQueue> logger) : BackgroundService
{
    private const int Capacity = 1024;

    private readonly Channel<Delivery> _pending = Channel.CreateBounded<Delivery>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly Lock _enqueue = new();
    private Task _lastQueued = Task.CompletedTask;

    private sealed record Delivery(OutgoingMessage? Message, Guid? Withdraw, TaskCompletionSource Done);

    public ValueTask SendAsync(OutgoingMessage message, CancellationToken ct) => EnqueueAsync(new Delivery(message, null, NewDone()), ct);

    public ValueTask WithdrawCodeAsync(Guid codeFor, CancellationToken ct) => EnqueueAsync(new Delivery(null, codeFor, NewDone()), ct);

    /// <summary>
    /// Completes when everything queued before the call has been handled (sent, withdrawn or failed). The dev outbox
    /// reads after this, so a code sent by an earlier request is always there for the demo and test helpers.
    /// </summary>
    public Task DeliveredAsync()
    {
        lock (_enqueue)
        {
            return _lastQueued;
        }
    }

    private async ValueTask EnqueueAsync(Delivery d, CancellationToken ct)
    {
        // Waiting for room happens outside the lock; TryWrite under the lock keeps _lastQueued the last in channel order.
        while (true)
        {
            lock (_enqueue)
            {
                if (_pending.Writer.TryWrite(d))
                {
                    _lastQueued = d.Done.Task;
                    return;
                }
            }
            if (!await _pending.Writer.WaitToWriteAsync(ct))
            {
                throw new InvalidOperationException("The one-time code queue is closed.");
            }
        }
    }

    private static TaskCompletionSource NewDone() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var d in _pending.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    if (d.Message is { } m)
                    {
                        await sender.SendAsync(m, stoppingToken);
                    }
                    else if (d.Withdraw is { } id)
                    {
                        await sender.WithdrawCodeAsync(id, stoppingToken);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The type only: the message carries a code and an address, which stay out of logs.
                    logger.LogWarning("A one-time code message could not be delivered ({ErrorType}).", e.GetType().Name);
                }
                finally
                {
                    d.Done.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: codes still queued are lost; their holders ask for a new one.
        }
    }
}
