; Inno Setup script of ArbDesk's Windows installer (Inno Setup 6.3 or later).
;
; Build the folder first (from the repository root), then compile this script:
;   .venv-build\Scripts\pyinstaller --noconfirm --clean build.spec
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" packaging\windows\arbdesk.iss
; Output: dist\ArbDesk-VERSION-windows-x64-setup.exe. The version is read from the version
; resource build.spec gives arbdesk.exe; /DAppVersion=X.Y.Z on the command line overrides it.
;
; The installer is per user by default (no administrator rights, into
; %LOCALAPPDATA%\Programs\ArbDesk); the first page offers "for all users" (Program Files).
; Uninstalling removes the program; the user's data, settings and logs stay unless the user
; says yes to deleting them (never in a silent uninstall).

#define AppName "ArbDesk"
#define BundleDir AddBackslash(SourcePath) + "..\..\dist\arbdesk"
#define MainExe "arbdesk.exe"
#define CliExe "arbdesk-cli.exe"
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(AddBackslash(BundleDir) + MainExe, "ProductVersion")
#endif
#if AppVersion == ""
  #error "No version: build dist\arbdesk with build.spec first, or pass /DAppVersion=X.Y.Z"
#endif

[Setup]
AppId={{5AADC55C-37BF-4D2B-8A9E-8EBDFA9AD044}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=ArbDesk
VersionInfoVersion={#GetVersionNumbersString(AddBackslash(BundleDir) + MainExe)}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#SourcePath}..\..\dist
OutputBaseFilename=ArbDesk-{#AppVersion}-windows-x64-setup
SetupIconFile={#SourcePath}..\..\resources\icons\arbdesk.ico
UninstallDisplayIcon={app}\{#MainExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the libraries as a whole: no stale file of an older build stays loaded.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#MainExe}"; Comment: "Crypto arbitrage and spread trading terminal"
Name: "{autoprograms}\{#AppName} command line"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#CliExe}"" --help"; WorkingDir: "{app}"; Comment: "arbdesk-cli: selftest, panic, keys, headless"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#MainExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#MainExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
// The data folder of the user who uninstalls: settings.toml, the store, the paper exchange, the
// encrypted vault (if one was made) and the logs all live under it (platformdirs' user folders).
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  DataDir := ExpandConstant('{localappdata}\arbdesk');
  if UninstallSilent or not DirExists(DataDir) then
    exit;
  if MsgBox('ArbDesk is uninstalled. Also delete your ArbDesk data, settings and logs?' + #13#10 + #13#10 +
            DataDir + #13#10 + #13#10 +
            'Choose No to keep them for a later installation. API keys kept in the Windows ' +
            'Credential Manager are not touched: remove them there, or with "arbdesk-cli keys remove" before uninstalling.',
            mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
    DelTree(DataDir, True, True, True);
end;
