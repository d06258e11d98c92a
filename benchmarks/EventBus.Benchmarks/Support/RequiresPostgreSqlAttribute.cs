namespace EventBus.Benchmarks.Support;

/// <summary>Marks a suite that needs a PostgreSQL server; <c>Program.cs</c> leaves it out, with a message, when
/// <c>EVENTBUS_PG_CONNECTION_STRING</c> is not set.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RequiresPostgreSqlAttribute : Attribute;
