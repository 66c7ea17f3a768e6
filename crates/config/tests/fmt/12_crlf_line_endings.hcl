locals {
  a = 1
    bb = "crlf" # windows line endings
}
