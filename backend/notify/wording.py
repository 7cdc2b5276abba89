"""The built-in words of every customer message, one block per language the customers can be written in.

Each language says the same thing with the same {placeholders}; tests/notify/test_wording.py renders every kind in
every language listed here. {window} reads after a verb ("scheduled on Wednesday, ...", "llegará el miércoles ...",
"kommt am Mittwoch, ..."), {eta} after a colon or "around", {reason} after a colon.
"""
from __future__ import annotations

from backend.notify.models import MessageKind

K = MessageKind

DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    # kind: language: (email subject, text)
    K.scheduled.value: {
        "en": ("Your {org_name} delivery is scheduled",
               "Hi {first_name}, your {org_name} delivery is scheduled {window}. Track it: {tracking_url}"),
        "fr": ("Votre livraison {org_name} est planifiée",
               "Bonjour {first_name}, votre livraison {org_name} est prévue {window}. Suivi : {tracking_url}"),
        "es": ("Su entrega de {org_name} está programada",
               "Hola {first_name}, su entrega de {org_name} llegará {window}. Siga su envío: {tracking_url}"),
        "pt": ("Seu pedido {org_name} está agendado",
               "Olá {first_name}, seu pedido {org_name} será entregue {window}. Acompanhe: {tracking_url}"),
        "de": ("Ihre Lieferung von {org_name} ist geplant",
               "Hallo {first_name}, Ihre Lieferung von {org_name} kommt {window}. Sendung verfolgen: {tracking_url}"),
    },
    K.out_for_delivery.value: {
        "en": ("Your {org_name} delivery is on its way",
               "Hi {first_name}, your {org_name} delivery is on its way, expected {window}. "
               "Track it: {tracking_url}"),
        "fr": ("Votre livraison {org_name} est en route",
               "Bonjour {first_name}, votre livraison {org_name} est en route, attendue {window}. "
               "Suivi : {tracking_url}"),
        "es": ("Su entrega de {org_name} está en camino",
               "Hola {first_name}, su entrega de {org_name} está en camino y llegará {window}. "
               "Siga su envío: {tracking_url}"),
        "pt": ("Seu pedido {org_name} saiu para entrega",
               "Olá {first_name}, seu pedido {org_name} saiu para entrega e chegará {window}. "
               "Acompanhe: {tracking_url}"),
        "de": ("Ihre Lieferung von {org_name} ist unterwegs",
               "Hallo {first_name}, Ihre Lieferung von {org_name} ist unterwegs und kommt {window}. "
               "Sendung verfolgen: {tracking_url}"),
    },
    K.approaching.value: {
        "en": ("Your {org_name} driver is on the way",
               "Hi {first_name}, your driver is heading to you now, arriving around {eta}. Track it: {tracking_url}"),
        "fr": ("Votre livreur {org_name} arrive",
               "Bonjour {first_name}, votre livreur se dirige vers vous, arrivée vers {eta}. Suivi : {tracking_url}"),
        "es": ("Su repartidor de {org_name} está llegando",
               "Hola {first_name}, su repartidor ya va hacia usted. Llegada prevista: {eta}. "
               "Siga su envío: {tracking_url}"),
        "pt": ("Seu entregador {org_name} está chegando",
               "Olá {first_name}, o entregador já está a caminho. Chegada prevista: {eta}. Acompanhe: {tracking_url}"),
        "de": ("Ihr Fahrer von {org_name} ist gleich da",
               "Hallo {first_name}, Ihr Fahrer ist jetzt auf dem Weg zu Ihnen. Voraussichtliche Ankunft: {eta}. "
               "Sendung verfolgen: {tracking_url}"),
    },
    K.delayed.value: {
        "en": ("Your {org_name} delivery is running late",
               "Hi {first_name}, sorry: your {org_name} delivery is running late. New estimate: {eta}. "
               "Track it: {tracking_url}"),
        "fr": ("Votre livraison {org_name} a du retard",
               "Bonjour {first_name}, désolé : votre livraison {org_name} a du retard. Nouvelle estimation : {eta}. "
               "Suivi : {tracking_url}"),
        "es": ("Su entrega de {org_name} lleva retraso",
               "Hola {first_name}, lo sentimos: su entrega de {org_name} lleva retraso. Nueva hora estimada: {eta}. "
               "Siga su envío: {tracking_url}"),
        "pt": ("Seu pedido {org_name} está atrasado",
               "Olá {first_name}, pedimos desculpas: seu pedido {org_name} está atrasado. Nova previsão: {eta}. "
               "Acompanhe: {tracking_url}"),
        "de": ("Ihre Lieferung von {org_name} verspätet sich",
               "Hallo {first_name}, leider verspätet sich Ihre Lieferung von {org_name}. Neue voraussichtliche "
               "Ankunft: {eta}. Sendung verfolgen: {tracking_url}"),
    },
    K.delivered.value: {
        "en": ("Your {org_name} order was delivered",
               "Hi {first_name}, your {org_name} order was delivered. Proof of delivery and rating: {tracking_url}"),
        "fr": ("Votre commande {org_name} a été livrée",
               "Bonjour {first_name}, votre commande {org_name} a été livrée. Preuve de livraison et avis : "
               "{tracking_url}"),
        "es": ("Su pedido de {org_name} ha sido entregado",
               "Hola {first_name}, su pedido de {org_name} ha sido entregado. Prueba de entrega y valoración: "
               "{tracking_url}"),
        "pt": ("Seu pedido {org_name} foi entregue",
               "Olá {first_name}, seu pedido {org_name} foi entregue. Comprovante de entrega e avaliação: "
               "{tracking_url}"),
        "de": ("Ihre Bestellung von {org_name} wurde zugestellt",
               "Hallo {first_name}, Ihre Bestellung von {org_name} wurde zugestellt. Zustellnachweis und "
               "Bewertung: {tracking_url}"),
    },
    K.failed.value: {
        "en": ("We could not deliver your {org_name} order",
               "Hi {first_name}, we could not deliver your {org_name} order: {reason}. To choose a new delivery, "
               "reply to this message or visit {tracking_url}"),
        "fr": ("Nous n'avons pas pu livrer votre commande {org_name}",
               "Bonjour {first_name}, nous n'avons pas pu livrer votre commande {org_name} : {reason}. Pour "
               "choisir une nouvelle livraison, répondez à ce message ou visitez {tracking_url}"),
        "es": ("No pudimos entregar su pedido de {org_name}",
               "Hola {first_name}, no pudimos entregar su pedido de {org_name}: {reason}. Para elegir una nueva "
               "entrega, responda a este mensaje o visite {tracking_url}"),
        "pt": ("Não conseguimos entregar seu pedido {org_name}",
               "Olá {first_name}, não conseguimos entregar seu pedido {org_name}: {reason}. Para escolher uma nova "
               "entrega, responda a esta mensagem ou acesse {tracking_url}"),
        "de": ("Wir konnten Ihre Bestellung von {org_name} nicht zustellen",
               "Hallo {first_name}, wir konnten Ihre Bestellung von {org_name} nicht zustellen: {reason}. Um einen "
               "neuen Liefertermin zu wählen, antworten Sie auf diese Nachricht oder besuchen Sie {tracking_url}"),
    },
    K.rebooked.value: {
        "en": ("Your {org_name} delivery is rebooked",
               "Hi {first_name}, done: your {org_name} delivery is rebooked {window}. To change it again: "
               "{tracking_url}"),
        "fr": ("Votre livraison {org_name} est reprogrammée",
               "Bonjour {first_name}, c'est noté : votre livraison {org_name} est reprogrammée {window}. Pour la "
               "modifier de nouveau : {tracking_url}"),
        "es": ("Su entrega de {org_name} ha sido reprogramada",
               "Hola {first_name}, hecho: hemos reprogramado su entrega de {org_name} y llegará {window}. Para "
               "cambiarla de nuevo: {tracking_url}"),
        "pt": ("Seu pedido {org_name} foi reagendado",
               "Olá {first_name}, tudo certo: seu pedido {org_name} foi reagendado e será entregue {window}. Para "
               "alterar novamente: {tracking_url}"),
        "de": ("Ihre Lieferung von {org_name} ist neu geplant",
               "Hallo {first_name}, erledigt: Ihre Lieferung von {org_name} kommt {window}. Für eine weitere "
               "Änderung: {tracking_url}"),
    },
    # The sender of a return or of a pickup-delivery pair: the collection at their address.
    K.pickup_scheduled.value: {
        "en": ("Your {org_name} pickup is scheduled",
               "Hi {first_name}, {org_name} will collect your parcel {window}. Please have it ready. "
               "Details: {tracking_url}"),
        "fr": ("Votre collecte {org_name} est planifiée",
               "Bonjour {first_name}, {org_name} viendra chercher votre colis {window}. Merci de le tenir prêt. "
               "Détails : {tracking_url}"),
        "es": ("Su recogida de {org_name} está programada",
               "Hola {first_name}, {org_name} recogerá su paquete {window}. Téngalo listo, por favor. "
               "Detalles: {tracking_url}"),
        "pt": ("Sua coleta {org_name} está agendada",
               "Olá {first_name}, a {org_name} vai coletar seu pacote {window}. Deixe-o separado, por favor. "
               "Detalhes: {tracking_url}"),
        "de": ("Ihre Abholung durch {org_name} ist geplant",
               "Hallo {first_name}, {org_name} holt Ihr Paket {window} ab. Bitte halten Sie es bereit. "
               "Details: {tracking_url}"),
    },
    K.pickup_approaching.value: {
        "en": ("Your {org_name} driver is coming to collect your parcel",
               "Hi {first_name}, your driver is heading to you now to collect your parcel, arriving around {eta}. "
               "Details: {tracking_url}"),
        "fr": ("Votre livreur {org_name} vient chercher votre colis",
               "Bonjour {first_name}, votre livreur vient chercher votre colis, arrivée vers {eta}. "
               "Détails : {tracking_url}"),
        "es": ("Su repartidor de {org_name} va a recoger su paquete",
               "Hola {first_name}, su repartidor ya va hacia usted para recoger su paquete. Llegada prevista: "
               "{eta}. Detalles: {tracking_url}"),
        "pt": ("Seu entregador {org_name} está indo coletar seu pacote",
               "Olá {first_name}, o entregador já está a caminho para coletar seu pacote. Chegada prevista: {eta}. "
               "Detalhes: {tracking_url}"),
        "de": ("Ihr Fahrer von {org_name} holt Ihr Paket gleich ab",
               "Hallo {first_name}, Ihr Fahrer ist jetzt auf dem Weg, um Ihr Paket abzuholen. Voraussichtliche "
               "Ankunft: {eta}. Details: {tracking_url}"),
    },
    K.picked_up.value: {
        "en": ("Your parcel was collected by {org_name}",
               "Hi {first_name}, {org_name} collected your parcel. Details: {tracking_url}"),
        "fr": ("Votre colis a été collecté par {org_name}",
               "Bonjour {first_name}, {org_name} a bien collecté votre colis. Détails : {tracking_url}"),
        "es": ("{org_name} ha recogido su paquete",
               "Hola {first_name}, {org_name} ha recogido su paquete. Detalles: {tracking_url}"),
        "pt": ("A {org_name} coletou seu pacote",
               "Olá {first_name}, a {org_name} coletou seu pacote. Detalhes: {tracking_url}"),
        "de": ("{org_name} hat Ihr Paket abgeholt",
               "Hallo {first_name}, {org_name} hat Ihr Paket abgeholt. Details: {tracking_url}"),
    },
    K.pickup_failed.value: {
        "en": ("We could not collect your parcel for {org_name}",
               "Hi {first_name}, we could not collect your parcel for {org_name}: {reason}. To arrange a new "
               "pickup, reply to this message or visit {tracking_url}"),
        "fr": ("Nous n'avons pas pu collecter votre colis pour {org_name}",
               "Bonjour {first_name}, nous n'avons pas pu collecter votre colis pour {org_name} : {reason}. Pour "
               "convenir d'une nouvelle collecte, répondez à ce message ou visitez {tracking_url}"),
        "es": ("No pudimos recoger su paquete para {org_name}",
               "Hola {first_name}, no pudimos recoger su paquete para {org_name}: {reason}. Para acordar una nueva "
               "recogida, responda a este mensaje o visite {tracking_url}"),
        "pt": ("Não conseguimos coletar seu pacote para {org_name}",
               "Olá {first_name}, não conseguimos coletar seu pacote para {org_name}: {reason}. Para combinar uma "
               "nova coleta, responda a esta mensagem ou acesse {tracking_url}"),
        "de": ("Wir konnten Ihr Paket für {org_name} nicht abholen",
               "Hallo {first_name}, wir konnten Ihr Paket für {org_name} nicht abholen: {reason}. Für eine neue "
               "Abholung antworten Sie auf diese Nachricht oder besuchen Sie {tracking_url}"),
    },
}

# Read after "we could not deliver your order: ".
REASONS = {
    "not_home": {"en": "nobody was home", "fr": "personne n'était présent", "es": "no había nadie en casa",
                 "pt": "não havia ninguém em casa", "de": "es war niemand zu Hause"},
    "refused": {"en": "the parcel was refused", "fr": "le colis a été refusé", "es": "el paquete fue rechazado",
                "pt": "o pacote foi recusado", "de": "die Annahme des Pakets wurde verweigert"},
    "damaged": {"en": "the parcel was damaged", "fr": "le colis était endommagé", "es": "el paquete estaba dañado",
                "pt": "o pacote estava danificado", "de": "das Paket war beschädigt"},
    "wrong_address": {"en": "the address could not be found", "fr": "l'adresse est introuvable",
                      "es": "no encontramos la dirección", "pt": "não encontramos o endereço",
                      "de": "die Adresse war nicht auffindbar"},
    "no_access": {"en": "we could not get access to the address", "fr": "l'adresse était inaccessible",
                  "es": "no pudimos acceder a la dirección", "pt": "não conseguimos acessar o endereço",
                  "de": "wir hatten keinen Zugang zur Adresse"},
    "other": {"en": "an unexpected problem", "fr": "un problème imprévu", "es": "surgió un problema imprevisto",
              "pt": "ocorreu um problema inesperado", "de": "ein unerwartetes Problem ist aufgetreten"},
}

LANGUAGES = tuple(DEFAULTS[K.scheduled.value])
