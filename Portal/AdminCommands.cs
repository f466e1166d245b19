using Portal.Data;

namespace Portal;

/// <summary>Command-line entries of the same app, for operating it without the UI: `Portal admin migrate`.</summary>
public static class AdminCommands
{
    public static async Task<bool> TryRunAsync(WebApplication app, string[] args)
    {
        if (args.Length < 2 || args[0] != "admin")
        {
            return false;
        }

        switch (args[1])
        {
            case "migrate":
                await DatabaseStartup.MigrateAsync(app.Services, CancellationToken.None);
                Console.WriteLine("Database migrated.");
                break;
            default:
                Console.Error.WriteLine($"Unknown admin command '{args[1]}'. Known: migrate.");
                Environment.ExitCode = 2;
                break;
        }

        return true;
    }
}
