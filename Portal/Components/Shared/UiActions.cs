using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Access;

namespace Portal.Components.Shared;

/// <summary>Runs a page action and reports the outcome the same way everywhere.</summary>
public static class UiActions
{
    /// <returns>True when the action succeeded.</returns>
    public static async Task<bool> RunAsync(this ISnackbar snackbar, NavigationManager navigation, Func<Task> action, string? success = null)
    {
        try
        {
            await action();
            if (success is not null)
            {
                snackbar.Add(success, Severity.Success);
            }

            return true;
        }
        catch (RuleViolationException e)
        {
            snackbar.Add(e.Message, Severity.Error);
        }
        catch (AccessDeniedException e)
        {
            snackbar.Add(e.Message, Severity.Warning);
        }
        catch (OrgNotFoundException)
        {
            navigation.NotFound();
        }

        return false;
    }
}
