"""The scripts `kconnect completion SHELL` prints. Each asks kconnect for candidates
(`_KCONNECT_COMPLETE=<shell>_complete`, see the package docstring) and completes paths
natively when told to (`:manifests`: directories and *.yaml/*.yml; `:files`; `:dirs`)."""

from __future__ import annotations

BASH = r"""# kconnect completion for bash: source <(kconnect completion bash)
_kconnect_completion() {
    local cur=${COMP_WORDS[COMP_CWORD]} line value IFS=$'\n'
    local -a lines
    lines=($(_KCONNECT_COMPLETE=bash_complete "${COMP_WORDS[0]}" \
        "${COMP_LINE:0:COMP_POINT}" "$cur" 2>/dev/null))
    COMPREPLY=()
    for line in "${lines[@]}"; do
        case $line in
            :manifests)
                compopt -o filenames 2>/dev/null
                COMPREPLY+=($(compgen -d -- "$cur")
                    $(compgen -f -X '!*.yaml' -- "$cur")
                    $(compgen -f -X '!*.yml' -- "$cur")) ;;
            :files)
                compopt -o filenames 2>/dev/null
                COMPREPLY+=($(compgen -f -- "$cur")) ;;
            :dirs)
                compopt -o filenames 2>/dev/null
                COMPREPLY+=($(compgen -d -- "$cur")) ;;
            *)
                # a name with blanks or quotes must reach the command as one word
                value=${line%%$'\t'*}
                case $cur in
                    \"*|\'*) COMPREPLY+=("${cur:0:1}$value${cur:0:1}") ;;
                    *) printf -v value '%q' "$value"; COMPREPLY+=("$value") ;;
                esac ;;
        esac
    done
}
complete -F _kconnect_completion kconnect
"""

ZSH = r"""#compdef kconnect
# kconnect completion for zsh: source <(kconnect completion zsh)   (after compinit)
_kconnect() {
    local line value help
    local -a lines described
    lines=("${(@f)$(_KCONNECT_COMPLETE=zsh_complete ${words[1]} "${(@Q)words[2,CURRENT]}" \
        2>/dev/null)}")
    for line in $lines; do
        case $line in
            :manifests) _files -g '*.(yaml|yml)' ;;
            :files) _files ;;
            :dirs) _files -/ ;;
            '') ;;
            *)
                value=${line%%$'\t'*}
                help=${line#*$'\t'}
                if [[ -n $help ]]; then
                    described+=("${value//:/\\:}:$help")
                else
                    described+=("${value//:/\\:}")
                fi ;;
        esac
    done
    (( $#described )) && _describe kconnect described
    return 0
}
if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _kconnect "$@"
else
    compdef _kconnect kconnect
fi
"""

FISH = r"""# kconnect completion for fish: kconnect completion fish | source
function __kconnect_complete
    # The word under the cursor as the command will read it: escapes and quotes undone
    # (`my\ dir/`, `'my dir/`); a leading ~ is the home directory, and is given back as typed.
    set -l current (commandline -ct | string unescape)
    set -l tokens (commandline -opc) $current
    set -l path $current
    set -l tilde (string match -r -- '^~' $current)
    if test -n "$tilde"
        set path (string replace -r -- '^~' $HOME $current)
    end
    for line in (env _KCONNECT_COMPLETE=fish_complete $tokens 2>/dev/null)
        switch $line
            case ':manifests'
                for found in $path*
                    set -l shown $found
                    if test -n "$tilde"
                        set shown '~'(string sub -s (math (string length -- $HOME) + 1) -- $found)
                    end
                    if test -d $found
                        echo $shown/
                    else if string match -qr '\.ya?ml$' -- $found
                        echo $shown
                    end
                end
            case ':files'
                __fish_complete_path $current
            case ':dirs'
                __fish_complete_directories $current
            case '*'
                echo $line
        end
    end
end
complete -c kconnect -f -a '(__kconnect_complete)'
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}


def script(shell: str) -> str:
    return SCRIPTS[shell]
