using Crm.Mcp.Data;

namespace Crm.Mcp.Cli;

/// <summary>The checks before a command writes a file the user named (export -o, backup FILE).</summary>
public static class OutputFile
{
    /// <summary>Why <paramref name="file"/> must not be written: it is the live database or one of its side files
    /// (overwriting them destroys the database, even with --force), it is a folder, or it exists and --force was not given.</summary>
    public static string? Refusal(string file, string databasePath, bool force)
    {
        var full = Path.GetFullPath(file);
        if (!DatabaseLocation.IsPostgres(databasePath))
        {
            var database = Canonical(Path.GetFullPath(databasePath));
            foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
                if (string.Equals(Canonical(full), database + suffix, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase))
                    return $"{full} is the database{(suffix.Length == 0 ? "" : $"'s {suffix[1..]} file")} itself; write to another file.";
        }
        if (Directory.Exists(full)) return $"{full} is a folder; name a file.";
        if (File.Exists(full) && !force) return $"{full} exists; pass --force to replace it.";
        return null;
    }

    /// <summary>The path with symbolic links in its folder resolved, so a link to the database's folder is caught too.</summary>
    private static string Canonical(string fullPath)
    {
        var folder = Path.GetDirectoryName(fullPath);
        if (folder is null) return fullPath;
        var resolved = (Directory.Exists(folder) ? new DirectoryInfo(folder).ResolveLinkTarget(returnFinalTarget: true)?.FullName : null) ?? Canonical(folder);
        var target = Path.Combine(resolved, Path.GetFileName(fullPath));
        return (File.Exists(target) ? new FileInfo(target).ResolveLinkTarget(returnFinalTarget: true)?.FullName : null) ?? target;
    }
}
