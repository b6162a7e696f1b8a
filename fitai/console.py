"""Console helpers for management commands."""

from django.core.management.base import OutputWrapper


class ProgressBar:
    """`[#####     ] 430/873` on one line, redrawn in place; about a hundred redraws in all."""

    def __init__(self, stream: OutputWrapper, width: int = 30) -> None:
        self.stream, self.width, self.drawn = stream, width, False

    def __call__(self, done: int, total: int) -> None:
        if total and (done == total or done % max(1, total // 100) == 0):
            filled = self.width * done // total
            self.stream.write(f"\r[{'#' * filled}{' ' * (self.width - filled)}] {done}/{total}", ending="")
            self.stream.flush()
            self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("")
