namespace Portal.Tests.Api;

public sealed class ApiPathsTests
{
    [Theory]
    [InlineData("/org", true)]
    [InlineData("/org/", true)]
    [InlineData("/org/child_orgs", true)]
    [InlineData("/ORG/child_orgs/", true)]
    [InlineData("/secrets", true)]
    [InlineData("/api/v1/orgs/x/children", true)]
    [InlineData("/api/reference/", true)]
    [InlineData("/openapi/v1.json", true)]
    [InlineData("/decision", true)]
    [InlineData("/orgs", false)]
    [InlineData("/orgs/3f2b9c1e-8d4a-5b6c-9e7f-0a1b2c3d4e5f/api-keys", false)]
    [InlineData("/organizations", false)]
    [InlineData("/usage", false)]
    [InlineData("/billing", false)]
    [InlineData("/", false)]
    [InlineData("/apis", false)]
    public void Only_api_paths_are_api_paths(string path, bool isApi) => Assert.Equal(isApi, ApiPaths.IsApi(path));
}
