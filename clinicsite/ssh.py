"""Sign and verify sign-offs with OpenSSH's `ssh-keygen -Y` (the SSHSIG format git uses for signed commits).

Only the reviewer holds the private key, so only the reviewer can make a signature that
`check` accepts against the public key line in site.yaml.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

#: The signature namespace: a signature made for anything else (a git commit, a file) never verifies here.
NAMESPACE = "clinicsite-sign-off"
_TIMEOUT = 60


class SshError(Exception):
    """ssh-keygen is missing or refused; the message says why and what to do."""


def _keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise SshError("ssh-keygen was not found; install OpenSSH (e.g. apt-get install openssh-client) to sign or verify sign-offs")
    return found


def sign(message: str, key: Path) -> str:
    """Return the armoured SSH signature of message made with the private key at key."""
    if not key.is_file():
        raise SshError(f"no key file '{key}'; pass --key with the path of your private SSH key, e.g. ~/.ssh/id_ed25519")
    try:
        done = subprocess.run(
            [_keygen(), "-Y", "sign", "-q", "-f", str(key), "-n", NAMESPACE],
            input=message.encode(),
            capture_output=True,
            timeout=_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SshError(f"ssh-keygen could not sign: {exc}") from None
    if done.returncode != 0 or b"BEGIN SSH SIGNATURE" not in done.stdout:
        problem = " ".join(done.stderr.decode(errors="replace").split()) or f"exit status {done.returncode}"
        raise SshError(f"ssh-keygen could not sign with '{key}': {problem}")
    return done.stdout.decode("ascii")


def verify(message: str, signature: str, principal: str, public_key: str) -> str | None:
    """Return None when signature is principal's signature of message with public_key, else why not."""
    with tempfile.TemporaryDirectory(prefix="clinicsite-ssh-") as folder:
        signers, sig = Path(folder) / "allowed_signers", Path(folder) / "sign-off.sig"
        signers.write_text(f'"{principal}" namespaces="{NAMESPACE}" {public_key}\n')
        sig.write_text(signature)
        try:
            done = subprocess.run(
                [_keygen(), "-Y", "verify", "-f", str(signers), "-I", principal, "-n", NAMESPACE, "-s", str(sig)],
                input=message.encode(),
                capture_output=True,
                timeout=_TIMEOUT,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SshError(f"ssh-keygen could not verify: {exc}") from None
    if done.returncode == 0:
        return None
    return " ".join((done.stderr or done.stdout).decode(errors="replace").split()) or "the signature does not verify"
