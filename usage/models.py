from django.db import models


class UsageCount(models.Model):
    """An anonymous aggregate: how many times an event happened in one hour (or one day).

    `hour` is kept only for events whose totals are counted by hour; otherwise it is null. The
    dimension is one coarse value such as "state=VIC" or empty for the total.
    """

    date = models.DateField()
    hour = models.PositiveSmallIntegerField(null=True, blank=True)
    event = models.CharField(max_length=40)
    dimension = models.CharField(max_length=80, blank=True, default="")
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["date", "hour", "event", "dimension"],
                name="usage_count_unique_cell",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=models.Q(hour__lte=23), name="usage_count_hour_range"),
        ]
        indexes = [models.Index(fields=["event", "date"])]

    def __str__(self) -> str:
        when = f"{self.date} {self.hour:02d}h" if self.hour is not None else str(self.date)
        return f"{self.event} {self.dimension or 'total'} {when}: {self.count}"


class UsageBatch(models.Model):
    """A Redis batch already moved into UsageCount, so a retried aggregation never counts it twice."""

    key = models.CharField(max_length=200, unique=True)
    moved_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
