namespace EventBus.Sqlite.DependencyInjection;

/// <summary>Marks that SQLite stores are registered, and on which connection string.</summary>
internal sealed record SqliteRegistration(string ConnectionString);
