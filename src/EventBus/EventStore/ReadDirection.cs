namespace EventBus;

/// <summary>The direction in which a stream is read.</summary>
public enum ReadDirection
{
    /// <summary>From older to newer events (ascending versions).</summary>
    Forwards = 0,

    /// <summary>From newer to older events (descending versions).</summary>
    Backwards = 1,
}
