using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Peers;
using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Latency;

/// <summary>
/// Latency at a steady 200,000 events per second: each invocation publishes <see cref="EventsPerInvocation"/> events,
/// one every 5 µs, and records for every delivery the time from when its event was <em>due</em> to the first statement
/// of its handler (so a publisher held back by a slow consumer shows up in the figures instead of hiding them).
/// </summary>
/// <remarks>
/// The columns to read are <c>P50</c>, <c>P99</c> and <c>P99.9 latency</c>, over every delivery of the last
/// invocations (up to <see cref="RateProbe.Capacity"/> samples). Mean is the publisher's pace (5 µs per event) whenever
/// the bus keeps up. EventBus runs its default path: <c>PublishAsync(payload)</c> with the default failure policy.
/// </remarks>
[MemoryDiagnoser]
public class SteadyRateLatencyBenchmark
{
    public const int EventsPerInvocation = 100_000;
    private const int EventsPerSecond = 200_000;
    private const int Pool = 4_096;

    private RateProbe _probe = null!;
    private IDispatchTarget _target = null!;
    private string _method = "";

    [Params(1, 4)]
    public int Subscribers { get; set; }

    [GlobalSetup(Target = nameof(RawChannel))]
    public void SetupRawChannel()
    {
        _probe = new RateProbe(Subscribers, EventsPerInvocation);
        Use(nameof(RawChannel), new RawChannelTarget<Event>(Subscribers, _probe, BenchEvents.Envelopes(Pool)));
    }

    [GlobalSetup(Target = nameof(EventBus_Default))]
    public async Task SetupEventBus()
    {
        _probe = new RateProbe(Subscribers, EventsPerInvocation);
        Use(nameof(EventBus_Default), await EventBusTarget.CreateAsync(Subscribers, _probe, BenchEvents.Envelopes(Pool), EventBusMode.TypedPayload, failurePolicy: true));
    }

    [GlobalSetup(Target = nameof(Akka_EventStream))]
    public void SetupAkka()
    {
        _probe = new RateProbe(Subscribers, EventsPerInvocation);
        Use(nameof(Akka_EventStream), new AkkaEventStreamTarget<BenchMessage>(Subscribers, _probe, BenchEvents.Messages(Pool)));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerInvocation)]
    public Task RawChannel() => RunAsync();

    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task EventBus_Default() => RunAsync();

    [Benchmark(OperationsPerInvoke = EventsPerInvocation)]
    public Task Akka_EventStream() => RunAsync();

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        LatencyStore.Write(nameof(SteadyRateLatencyBenchmark), _method, $"Subscribers={Subscribers}", _probe.Summarize());
        await _target.DisposeAsync();
    }

    private async Task RunAsync()
    {
        var delivered = _probe.Arm();
        var interval = (double)Stopwatch.Frequency / EventsPerSecond;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < EventsPerInvocation; i++)
        {
            var due = start + (long)(i * interval);
            long now;
            while ((now = Stopwatch.GetTimestamp()) < due)
            {
                Thread.SpinWait(8);
            }

            _probe.Due(i, due);
            var published = _target.PublishAsync(i & (Pool - 1));
            if (!published.IsCompletedSuccessfully)
            {
                await published;
            }
        }

        await delivered;
    }

    private void Use(string method, IDispatchTarget target)
    {
        _method = method;
        _target = target;
    }

    /// <summary>
    /// Records due → handler-start per delivery. Every subscriber of every bus here receives its events in publish
    /// order (one priority, one worker per subscriber), so a subscriber's k-th delivery is the k-th event published.
    /// </summary>
    private sealed class RateProbe(int subscribers, int eventsPerRound) : IDeliveryObserver
    {
        public const int Capacity = 2_000_000;

        private readonly long[] _due = new long[eventsPerRound];
        private readonly long[] _samples = new long[Capacity];
        private readonly Counter[] _received = new Counter[subscribers];
        private long _recorded;
        private int _remaining;
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Arm()
        {
            for (var i = 0; i < _received.Length; i++)
            {
                _received[i].Value = 0;
            }

            Volatile.Write(ref _remaining, _received.Length);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _done, done);
            return done.Task;
        }

        /// <summary>Called before the event is published: what the queue hands over carries this write with it.</summary>
        public void Due(int index, long timestamp) => _due[index] = timestamp;

        public void Delivered(int subscriber)
        {
            var now = Stopwatch.GetTimestamp();
            var k = _received[subscriber].Value++;
            var slot = Interlocked.Increment(ref _recorded) - 1;
            _samples[slot % Capacity] = now - _due[k];
            if (k + 1 == _due.Length && Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }

        public LatencySummary Summarize()
        {
            var count = (int)Math.Min(Volatile.Read(ref _recorded), Capacity);
            var sorted = _samples.AsSpan(0, count).ToArray();
            Array.Sort(sorted);
            double At(double percentile) =>
                count == 0 ? double.NaN : sorted[Math.Min(count - 1, (int)Math.Ceiling(percentile / 100 * count) - 1)] * 1e9 / Stopwatch.Frequency;
            return new LatencySummary(At(50), At(99), count, At(99.9));
        }

        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128)]
        private struct Counter
        {
            [System.Runtime.InteropServices.FieldOffset(64)]
            public int Value;
        }
    }
}
