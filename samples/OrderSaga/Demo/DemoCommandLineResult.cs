namespace EventBus.Samples.Orders.Demo;

/// <summary>The outcome of parsing: options to run with, a request for help, or an error.</summary>
public sealed record DemoCommandLineResult(DemoOptions? Options, bool ShowHelp, string? Error);
