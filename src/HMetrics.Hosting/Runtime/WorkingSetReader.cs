using System.Buffers.Text;
using Microsoft.Win32.SafeHandles;

namespace HMetrics.Hosting.Runtime;

/// <summary>
/// Reads the process's resident set size, the value <see cref="Environment.WorkingSet"/> returns, without allocating
/// where the platform allows it.
/// </summary>
/// <remarks>
/// On Linux <see cref="Environment.WorkingSet"/> builds a <c>Process</c> snapshot (about 3 KB a call) to read the rss
/// field of <c>/proc/self/stat</c>. <c>/proc/self/statm</c> carries the same kernel count (resident pages) in its second
/// field, so one handle opened once, a positional read into a reused buffer and a byte parse give the same number for
/// nothing. Elsewhere, or if the file cannot be read, it falls back to <see cref="Environment.WorkingSet"/>.
/// Not thread-safe: the collector reads it from one report at a time.
/// </remarks>
internal sealed class WorkingSetReader : IDisposable
{
    private const string StatmPath = "/proc/self/statm";

    private readonly SafeFileHandle? _statm;
    private readonly byte[] _buffer = new byte[128];
    private readonly long _pageSize = Environment.SystemPageSize;

    public WorkingSetReader()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _statm = File.OpenHandle(StatmPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (!TryReadStatm(out _))
            {
                _statm.Dispose();
                _statm = null;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A sandbox without procfs: the managed reading still works, it only allocates.
            _statm = null;
        }
    }

    /// <summary>Gets whether readings come from <c>/proc/self/statm</c> (allocation-free) rather than the managed API.</summary>
    public bool ReadsProcfs => _statm is not null;

    /// <summary>Reads the working set in bytes.</summary>
    public long Read() => _statm is not null && TryReadStatm(out var bytes) ? bytes : Environment.WorkingSet;

    public void Dispose() => _statm?.Dispose();

    // statm is "size resident shared text lib data dt", in pages, space separated.
    private bool TryReadStatm(out long bytes)
    {
        bytes = 0;
        var read = RandomAccess.Read(_statm!, _buffer, fileOffset: 0);
        var text = _buffer.AsSpan(0, read);
        var space = text.IndexOf((byte)' ');
        if (space < 0 || !Utf8Parser.TryParse(text[(space + 1)..], out long residentPages, out _))
        {
            return false;
        }

        bytes = residentPages * _pageSize;
        return true;
    }
}
