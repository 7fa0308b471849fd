# azd predeploy hook (Windows, pwsh): stops the deployment before it ships a broken app.
# The Function App runs the `handler` executable (host.json customHandler.defaultExecutablePath)
# on Linux. azd keeps file modes in the deployment zip since 1.26, but only when it runs off
# Windows: a zip made on Windows has no executable bit, and the Functions host cannot start the
# handler. Provisioning (azd provision) works from Windows; deploy from WSL, Linux, macOS or a
# Linux CI runner. See docs/deploy.md, "Deploying from Windows".
Write-Error ("predeploy: deploying from Windows would ship 'handler' without its executable bit and the Function App " +
    "would not start. Run 'azd deploy' from WSL, Linux, macOS or a Linux CI runner (see docs/deploy.md). " +
    "'azd provision' from Windows is fine.")
exit 1
