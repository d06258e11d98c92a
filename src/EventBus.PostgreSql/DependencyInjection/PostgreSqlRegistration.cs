using Npgsql;

namespace EventBus.PostgreSql.DependencyInjection;

/// <summary>Marks that PostgreSQL stores are registered, and on which connection string or data source.</summary>
internal sealed record PostgreSqlRegistration(string? ConnectionString, NpgsqlDataSource? DataSource);
