using EventBus.Benchmarks.Support;

namespace EventBus.Benchmarks.Peers;

// Wolverine finds handlers by type, and under MultipleHandlerBehavior.Separated gives each handler type its own local
// queue. Sixteen subscribers therefore need sixteen handler types; they are identical apart from their index, so they
// share this file rather than sixteen one-line files.

/// <summary>The observer Wolverine's static handlers report to (Wolverine builds handlers itself).</summary>
public static class WolverineSink
{
    public static IDeliveryObserver Observer { get; set; } = null!;

    public static readonly Type[] HandlerTypes =
    [
        typeof(WolverineHandler00),
        typeof(WolverineHandler01),
        typeof(WolverineHandler02),
        typeof(WolverineHandler03),
        typeof(WolverineHandler04),
        typeof(WolverineHandler05),
        typeof(WolverineHandler06),
        typeof(WolverineHandler07),
        typeof(WolverineHandler08),
        typeof(WolverineHandler09),
        typeof(WolverineHandler10),
        typeof(WolverineHandler11),
        typeof(WolverineHandler12),
        typeof(WolverineHandler13),
        typeof(WolverineHandler14),
        typeof(WolverineHandler15),
    ];
}

public static class WolverineHandler00
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(0);
}

public static class WolverineHandler01
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(1);
}

public static class WolverineHandler02
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(2);
}

public static class WolverineHandler03
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(3);
}

public static class WolverineHandler04
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(4);
}

public static class WolverineHandler05
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(5);
}

public static class WolverineHandler06
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(6);
}

public static class WolverineHandler07
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(7);
}

public static class WolverineHandler08
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(8);
}

public static class WolverineHandler09
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(9);
}

public static class WolverineHandler10
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(10);
}

public static class WolverineHandler11
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(11);
}

public static class WolverineHandler12
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(12);
}

public static class WolverineHandler13
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(13);
}

public static class WolverineHandler14
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(14);
}

public static class WolverineHandler15
{
    public static void Handle(BenchMessage message) => WolverineSink.Observer.Delivered(15);
}
