namespace EventBus.Resilience;

/// <summary>
/// The cancellation sources a delivering slot's time limits hand out, kept across events: a source that was neither
/// cancelled nor armed is reset and reused, so a delivery that completes synchronously allocates none.
/// </summary>
/// <remarks>Used by one delivering slot at a time, like the delivery that owns it.</remarks>
internal sealed class TimeoutSources
{
    private readonly CancellationTokenSource?[] _sources = new CancellationTokenSource?[2];

    public CancellationTokenSource Rent(TimeoutSlot slot) => _sources[(int)slot] ?? new CancellationTokenSource();

    public void Return(TimeoutSlot slot, CancellationTokenSource source, bool armed)
    {
        if (armed)
        {
            // Its timer may still fire after being disposed: never reuse or dispose this source (it holds no handle),
            // so a late tick cancels nothing anyone uses.
            _sources[(int)slot] = null;
            return;
        }

        // TryReset also drops the callbacks the handler registered on the token and did not remove.
        if (source.TryReset())
        {
            _sources[(int)slot] = source;
            return;
        }

        _sources[(int)slot] = null;
        source.Dispose();
    }
}
