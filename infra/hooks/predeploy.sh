#!/bin/sh
# azd predeploy hook (Linux, macOS). Nothing to check here: off Windows, azd (1.26 and later)
# keeps file modes in the deployment zip, so the `handler` executable stays executable. The hook
# exists because its Windows side (predeploy.ps1) must stop a deployment from Windows, and azd
# needs a script for every platform once a hook is declared.
exit 0
