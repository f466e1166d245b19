namespace Portal.E2E.Support;

/// <summary>A browser or host test that needs PostgreSQL: skipped when PORTAL_TEST_POSTGRES is not set.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresTestServer.ConnectionString is null)
        {
            Skip = $"PostgreSQL is not configured ({PostgresTestServer.Variable}).";
        }
    }
}
