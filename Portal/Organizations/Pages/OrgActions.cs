using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Components.Shared;

namespace Portal.Organizations.Pages;

/// <summary>The org actions shared by the tree and the detail page: dialogs, confirmations, outcomes.</summary>
public sealed class OrgActions(IDialogService dialogs, ISnackbar snackbar, NavigationManager navigation, OrganizationService organizations)
{
    public async Task<OrgSummary?> CreateChildAsync(string parentId, string parentName)
    {
        var dialog = await dialogs.ShowAsync<OrgNameDialog>("New child organization", new DialogParameters<OrgNameDialog>
        {
            { d => d.ParentId, parentId },
            { d => d.ParentName, parentName },
        });
        return await ResultAsync(dialog, created => $"Created {created.Name}");
    }

    public async Task<OrgSummary?> RenameAsync(string orgId, string currentName)
    {
        var dialog = await dialogs.ShowAsync<OrgNameDialog>("Rename organization", new DialogParameters<OrgNameDialog>
        {
            { d => d.OrgId, orgId },
            { d => d.InitialName, currentName },
        });
        return await ResultAsync(dialog, renamed => $"Renamed to {renamed.Name}");
    }

    public async Task<OrgSummary?> MoveAsync(string orgId, string name)
    {
        var dialog = await dialogs.ShowAsync<MoveOrgDialog>($"Move {name}", new DialogParameters<MoveOrgDialog>
        {
            { d => d.OrgId, orgId },
            { d => d.OrgName, name },
        });
        return await ResultAsync(dialog, _ => $"Moved {name}");
    }

    public async Task<bool> SuspendAsync(string orgId, string name)
    {
        var confirmed = await dialogs.ShowMessageBoxAsync($"Suspend {name}?",
            "Its members keep read-only access; its API keys can no longer spend credits and the gateway refuses its usage until you reactivate it.",
            yesText: "Suspend", cancelText: "Cancel");
        return confirmed == true && await snackbar.RunAsync(navigation, () => organizations.SuspendAsync(orgId, CancellationToken.None), $"Suspended {name}");
    }

    public Task<bool> ReactivateAsync(string orgId, string name) =>
        snackbar.RunAsync(navigation, () => organizations.ReactivateAsync(orgId, CancellationToken.None), $"Reactivated {name}");

    public async Task<bool> CloseAsync(string orgId, string name)
    {
        var impact = await organizations.GetClosureImpactAsync(orgId, CancellationToken.None);
        var confirmed = await dialogs.ShowMessageBoxAsync($"Close {name} for good?",
            $"Closing cannot be undone. {name} and its {impact.DescendantOrgs} child org(s) stop working: {impact.Members} member(s) lose access, " +
            "its API keys are refused and no usage is accepted. Its history stays visible to you, read-only, and billed usage stays on statements.",
            yesText: "Close organization", cancelText: "Keep it");
        return confirmed == true && await snackbar.RunAsync(navigation, () => organizations.CloseAsync(orgId, CancellationToken.None), $"Closed {name}");
    }

    private async Task<OrgSummary?> ResultAsync(IDialogReference dialog, Func<OrgSummary, string> message)
    {
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: OrgSummary summary })
        {
            snackbar.Add(message(summary), Severity.Success);
            return summary;
        }

        return null;
    }
}
