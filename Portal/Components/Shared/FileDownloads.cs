using Microsoft.JSInterop;

namespace Portal.Components.Shared;

/// <summary>Streams a file produced by a service to the browser as a download.</summary>
public sealed class FileDownloads(IJSRuntime js) : IAsyncDisposable
{
    private IJSObjectReference? module;

    public async Task SaveAsync(string fileName, string contentType, Func<Stream, Task> write)
    {
        using var buffer = new MemoryStream();
        await write(buffer);
        buffer.Position = 0;
        using var streamRef = new DotNetStreamReference(buffer, leaveOpen: true);
        module ??= await js.InvokeAsync<IJSObjectReference>("import", "./lib/portal/portal-files.js");
        await module.InvokeVoidAsync("saveStream", fileName, contentType, streamRef);
    }

    public async ValueTask DisposeAsync()
    {
        if (module is not null)
        {
            try
            {
                await module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
            }
        }
    }
}
