import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portal import embedded_replica, replica
from portal.embedded_db import EmbeddedDatabaseError


class Command(BaseCommand):
    help = (
        "Réplique en lecture du PostgreSQL embarqué (var/replica/) : « start » la copie du "
        "primaire avec pg_basebackup si besoin, la démarre et affiche la DATABASE_REPLICA_URL "
        "à donner au portail ; « stop » l’arrête ; « remove » l’arrête et efface sa copie ; "
        "« status » donne le retard de réplication vu du primaire et, si le portail a une "
        "réplique configurée, vu d’elle."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop", "remove", "status"])

    def handle(self, *args, action, **options):
        if action != "status" and os.environ.get("DATABASE_URL"):
            raise CommandError(
                "DATABASE_URL est défini : la réplique d’un PostgreSQL extérieur se fait avec "
                "ses propres outils (voir docs/deployment.md)."
            )
        try:
            getattr(self, f"_{action}")()
        except EmbeddedDatabaseError as error:
            raise CommandError(f"réplique : {error}") from None

    def _start(self):
        socket_dir = embedded_replica.start_standby()
        self.stdout.write(f"Réplique prête, socket dans {socket_dir}")
        url = embedded_replica.replica_url(socket_dir, connection.settings_dict["NAME"])
        self.stdout.write(f"DATABASE_REPLICA_URL={url}")

    def _stop(self):
        stopped = embedded_replica.stop_standby()
        self.stdout.write("Réplique arrêtée." if stopped else "Réplique déjà arrêtée.")

    def _remove(self):
        embedded_replica.remove_standby()
        self.stdout.write("Réplique arrêtée et effacée.")

    def _status(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT application_name, state, "
                "COALESCE(EXTRACT(EPOCH FROM replay_lag), 0) FROM pg_stat_replication"
            )
            standbys = cursor.fetchall()
        if not standbys:
            self.stdout.write("Primaire : aucune réplique connectée.")
        for name, state, lag in standbys:
            self.stdout.write(f"Primaire : {name} {state}, retard de rejeu {float(lag):.3f} s")
        if replica.configured():
            seen = replica.status()
            lag = "?" if seen["lag_seconds"] is None else f"{seen['lag_seconds']:.3f} s"
            self.stdout.write(f"Réplique du portail : {seen['status']}, retard {lag}")
