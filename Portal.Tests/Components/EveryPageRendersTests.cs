using System.Reflection;
using Bunit;
using Microsoft.AspNetCore.Components;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Components;

/// <summary>A smoke test: every routable page renders once, with the demo data, without throwing.</summary>
public sealed class EveryPageRendersTests : PortalComponentTest
{
    public static TheoryData<string> RoutablePages()
    {
        var data = new TheoryData<string>();
        foreach (var page in PageTypes())
        {
            data.Add(page.FullName!);
        }

        return data;
    }

    [DataFact]
    public void There_are_routable_pages_to_check() => Assert.True(PageTypes().Count() >= 3);

    [DataTheory]
    [MemberData(nameof(RoutablePages))]
    public void Page_renders_without_error(string pageTypeName)
    {
        var pageType = typeof(Program).Assembly.GetType(pageTypeName)!;

        Render<MudBlazor.MudPopoverProvider>();
        var page = Render(builder =>
        {
            builder.OpenComponent(0, pageType);
            foreach (var name in RequiredRouteParameters(pageType))
            {
                builder.AddAttribute(1, name, DemoValueFor(name));
            }

            builder.CloseComponent();
        });

        // Every page shows a progress bar labelled "Loading…" until its data is there.
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[aria-label^='Loading']")));
        Assert.False(string.IsNullOrWhiteSpace(page.Markup));
    }

    // Static server pages (sign-in) need a real HttpContext: the browser tests cover them.
    private static IEnumerable<Type> PageTypes() =>
        typeof(Program).Assembly.GetTypes().Where(t => t.GetCustomAttributes<RouteAttribute>().Any() && typeof(IComponent).IsAssignableFrom(t)
            && t.GetCustomAttribute<ExcludeFromInteractiveRoutingAttribute>() is null);

    private static IEnumerable<string> RequiredRouteParameters(Type pageType) =>
        pageType.GetProperties()
            .Where(p => p.GetCustomAttribute<ParameterAttribute>() is not null && p.GetCustomAttribute<EditorRequiredAttribute>() is not null)
            .Select(p => p.Name);

    private static string DemoValueFor(string parameterName) => parameterName switch
    {
        "OrgId" => Portal.Data.DemoSeed.OrgId("Beacon Podcasts"),
        "Token" => "no-such-invitation",
        _ => throw new InvalidOperationException($"The smoke test does not know a demo value for route parameter '{parameterName}'."),
    };
}
