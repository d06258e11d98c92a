namespace EventBus.Sqlite.Storage;

/// <summary>One forward step of the database schema, applied once, in version order, inside a transaction.</summary>
/// <param name="Version">The schema version the step produces; versions increase by one.</param>
/// <param name="Description">What the step adds, recorded in the schema version table.</param>
/// <param name="Sql">The DDL to run (constant text, no values).</param>
internal sealed record SchemaMigration(int Version, string Description, string Sql);
